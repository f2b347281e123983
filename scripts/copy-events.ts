/**
 * Copies an event store into another, keeping event ids, revisions and global order.
 *
 *   npm run copy-events -- --from sqlite:./data --to 'kurrentdb://127.0.0.1:2113?tls=false'
 *
 * Everything but wiring the process lives in src/copy-events/ (see its usage text, --help).
 */
import { runCopyEventsCli } from '../src/copy-events/index.js';

const interrupt = new AbortController();
// The first Ctrl-C finishes the append under way and stops cleanly; a second one kills.
process.once('SIGINT', () => {
  process.stderr.write('copy-events: interrupted, stopping after the append under way (Ctrl-C again to kill)\n');
  interrupt.abort();
});

process.exitCode = await runCopyEventsCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: interrupt.signal,
});
