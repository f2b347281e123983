import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Jest's global teardown: every answer the in-process e2e apps gave during the run (recorded by
 * `openapi-answers.recorder.ts`) must be documented by the OpenAPI document for its route: the
 * status, and for an error the code. An answer that is not fails the run, naming it; documented
 * answers that no test produced are summed up, without failing. Jest loads this file as
 * CommonJS, outside the module mapper, so it imports nothing of the project's; the recorder
 * imports its names from here.
 */

/** The run directory, made by the global setup, inherited by the workers. */
export const ANSWERS_DIR_VARIABLE = 'TIMELINE_OPENAPI_ANSWERS_DIR';
export const DOCUMENT_FILE = 'openapi.json';
export const answersFile = (pid: number): string => `answers-${pid}.jsonl`;
const ANSWERS_FILE = /^answers-\d+\.jsonl$/;

/** One answer as recorded: the route as the document names it (`/v1/neighbourhoods/{id}`), and the code of an error body. */
export interface RecordedAnswer {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  /** The `code` of a JSON error body; null when the answer has none (a success, or a body of another shape). */
  readonly code: string | null;
}

/** Fastify's `/v1/neighbourhoods/:id` as OpenAPI writes it. */
export function openApiPath(fastifyRoute: string): string {
  return fastifyRoute.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

type Json = Record<string, unknown>;

/** What a documented response allows: the error codes it lists, and whether it also has a body without a code. */
interface DocumentedResponse {
  readonly codes: ReadonlySet<string>;
  readonly bodyWithoutCode: boolean;
}

function resolve(document: Json, schema: unknown): Json | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const ref = (schema as Json).$ref;
  if (typeof ref !== 'string') return schema as Json;
  const name = ref.replace('#/components/schemas/', '');
  return resolve(document, ((document.components as Json | undefined)?.schemas as Json | undefined)?.[name]);
}

/** The codes a schema pins with an enum on `code` (directly, or in an allOf), and whether one of its alternatives has no `code` at all. */
function codesOf(document: Json, schema: unknown, codes: Set<string>): boolean {
  const resolved = resolve(document, schema);
  if (resolved === undefined) return true;
  const alternatives = (resolved.oneOf ?? resolved.anyOf) as unknown[] | undefined;
  if (alternatives !== undefined) return alternatives.map((alternative) => codesOf(document, alternative, codes)).some(Boolean);
  const parts = [resolved, ...(((resolved.allOf as unknown[] | undefined) ?? []).map((part) => resolve(document, part)) as Json[])];
  let hasCode = false;
  for (const part of parts) {
    const code = (part?.properties as Json | undefined)?.code as Json | undefined;
    if (code === undefined) continue;
    hasCode = true;
    for (const value of (code.enum as unknown[] | undefined) ?? []) codes.add(String(value));
  }
  return !hasCode;
}

export function documentedResponse(document: Json, method: string, route: string, status: number): DocumentedResponse | undefined {
  const operation = ((document.paths as Json)[route] as Json | undefined)?.[method.toLowerCase()] as Json | undefined;
  const response = (operation?.responses as Json | undefined)?.[String(status)] as Json | undefined;
  if (response === undefined) return undefined;
  const content = (response.content as Json | undefined) ?? {};
  const codes = new Set<string>();
  let bodyWithoutCode = Object.keys(content).length === 0;
  for (const media of Object.values(content) as Json[]) {
    if (codesOf(document, media.schema, codes)) bodyWithoutCode = true;
  }
  return { codes, bodyWithoutCode };
}

/** The answers the document does not document, each with what is missing. */
export function undocumentedAnswers(document: Json, answers: readonly RecordedAnswer[]): string[] {
  const problems: string[] = [];
  for (const answer of answers) {
    const name = `${answer.method} ${answer.route} ${answer.status}${answer.code === null ? '' : ` ${answer.code}`}`;
    const operation = ((document.paths as Json)[answer.route] as Json | undefined)?.[answer.method.toLowerCase()];
    if (operation === undefined) {
      problems.push(`${name}: the route is not in the document`);
      continue;
    }
    const documented = documentedResponse(document, answer.method, answer.route, answer.status);
    if (documented === undefined) problems.push(`${name}: status ${answer.status} is not documented for the route`);
    else if (answer.code !== null && !documented.codes.has(answer.code)) problems.push(`${name}: code ${answer.code} is not documented for this status`);
    else if (answer.code === null && answer.status >= 400 && !documented.bodyWithoutCode) problems.push(`${name}: an error answer without a code`);
  }
  return problems.sort();
}

/** Documented (route, status) pairs that no recorded answer had. */
export function unobservedResponses(document: Json, answers: readonly RecordedAnswer[]): string[] {
  const observed = new Set(answers.map((answer) => `${answer.method} ${answer.route} ${answer.status}`));
  const missing: string[] = [];
  for (const [route, item] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) {
      for (const status of Object.keys(((operation as Json).responses as Json | undefined) ?? {})) {
        const pair = `${method.toUpperCase()} ${route} ${status}`;
        if (!observed.has(pair)) missing.push(pair);
      }
    }
  }
  return missing;
}

/** What the workers of a run recorded: the document (written when an app started) and the distinct answers. */
export function readRecording(dir: string): { document: Json; answers: RecordedAnswer[] } | undefined {
  if (!existsSync(join(dir, DOCUMENT_FILE))) return undefined;
  const lines = new Set<string>();
  for (const name of readdirSync(dir).filter((entry) => ANSWERS_FILE.test(entry))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) if (line !== '') lines.add(line);
  }
  return {
    document: JSON.parse(readFileSync(join(dir, DOCUMENT_FILE), 'utf8')) as Json,
    answers: [...lines].map((line) => JSON.parse(line) as RecordedAnswer),
  };
}

/** A few lines: what was seen, and per route the documented statuses that no test produced. */
export function summary(answers: readonly RecordedAnswer[], undocumented: readonly string[], unobserved: readonly string[]): string {
  if (answers.length === 0) return 'OpenAPI answers: no answer was recorded.';
  const routes = new Set(answers.map((answer) => `${answer.method} ${answer.route}`));
  const byRoute = new Map<string, string[]>();
  for (const pair of unobserved) {
    const cut = pair.lastIndexOf(' ');
    byRoute.set(pair.slice(0, cut), [...(byRoute.get(pair.slice(0, cut)) ?? []), pair.slice(cut + 1)]);
  }
  return [
    `OpenAPI answers: ${answers.length} distinct answers on ${routes.size} routes, ${undocumented.length} undocumented; ` +
      `${unobserved.length} documented (route, status) pairs that these tests never produced:`,
    ...[...byRoute].map(([route, statuses]) => `  ${route}: ${statuses.join(' ')}`),
  ].join('\n');
}

export default function teardown(): void {
  const dir = process.env[ANSWERS_DIR_VARIABLE];
  if (dir === undefined || dir === '') return;
  const recording = readRecording(dir);
  rmSync(dir, { recursive: true, force: true });
  if (recording === undefined) return;
  const { document, answers } = recording;
  const undocumented = undocumentedAnswers(document, answers);
  const unobserved = unobservedResponses(document, answers);
  process.stdout.write(`\n${summary(answers, undocumented, unobserved)}\n`);
  if (undocumented.length > 0) {
    throw new Error(`The OpenAPI document does not document ${undocumented.length} answers the tests produced:\n  ${undocumented.join('\n  ')}`);
  }
}
