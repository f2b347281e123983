/**
 * Imports an ACLED or UCDP GED export into a running server through POST /v1/batches.
 *
 *   npm run import -- --format ucdp --file ged.csv [--url http://127.0.0.1:3000] [--dry-run]
 *
 * Everything but wiring the process lives in src/import/ (see its usage text, --help, and
 * docs/import.md).
 */
import { runImportCli } from '../src/import/index.js';

const interrupt = new AbortController();
// The first Ctrl-C stops reading and waits for the batches under way; a second one kills.
process.once('SIGINT', () => {
  process.stderr.write('\nimport: interrupted, waiting for the batches under way (Ctrl-C again to kill)\n');
  interrupt.abort();
});

process.exitCode = await runImportCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  signal: interrupt.signal,
});
