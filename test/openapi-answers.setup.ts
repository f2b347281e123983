import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Jest's global setup: makes the run directory into which the e2e apps record their answers
 * (`openapi-answers.recorder.ts`), for `openapi-answers.teardown.ts` to check. Test workers
 * inherit the variable. Jest loads this file as CommonJS, outside the module mapper, so it
 * imports nothing of the project's: the variable's name is `ANSWERS_DIR_VARIABLE` of the teardown.
 */
export default function setup(): void {
  process.env.TIMELINE_OPENAPI_ANSWERS_DIR = mkdtempSync(join(tmpdir(), 'timeline-openapi-answers-'));
}
