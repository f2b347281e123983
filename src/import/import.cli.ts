import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ACLED_FORMAT } from './acled.format.js';
import type { BatchLimits } from './batch-dispatcher.js';
import { MissingColumns, NotCsv, WrongEncoding } from './csv-records.js';
import type { DatasetFormat, DatasetName } from './dataset-format.js';
import { HttpTimelineClient, type ApiKeys } from './http-timeline-client.js';
import { defaultKeyFile, IMPORT_USAGE, parseImportArgs, serverUrl } from './import.args.js';
import { progressReporter } from './import-progress.js';
import { runImport, type ImportReport } from './import-run.js';
import { EMPTY_MAPPING, MappingFileError, parseMappingFile, type ImportMapping } from './mapping-file.js';
import { RejectsFile } from './rejects-file.js';
import { RequestRefused, ServerUnavailable, type TimelineClient } from './timeline-client.js';
import { UCDP_FORMAT } from './ucdp.format.js';

export interface ImportCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Stops reading after the first Ctrl-C; what was sent is answered. */
  readonly signal?: AbortSignal;
  /** stderr is a terminal: progress is a bar. */
  readonly isTTY?: boolean;
  readonly clock?: () => number;
  /** Builds the client; tests may substitute. */
  readonly client?: (baseUrl: string, keys: ApiKeys) => TimelineClient;
  readonly limits?: BatchLimits;
  /** Waits between retries of a request (tests shorten them). */
  readonly retryDelaysMs?: readonly number[];
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export const FORMATS: Readonly<Record<DatasetName, DatasetFormat>> = { acled: ACLED_FORMAT, ucdp: UCDP_FORMAT };

/** `npm run import -- …` in-process: writes through `io` and returns the exit status. */
export async function runImportCli(argv: readonly string[], io: ImportCliIo): Promise<number> {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const clock = io.clock ?? Date.now;
  const parsed = parseImportArgs(argv, cwd);
  if (parsed.kind === 'help') {
    io.stdout(`${IMPORT_USAGE}\n`);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage-error') {
    io.stderr(`import: ${parsed.message}\n\n${IMPORT_USAGE}\n`);
    return EXIT_USAGE;
  }
  const args = parsed.args;
  const fail = (message: string, status: number): number => {
    io.stderr(`import: ${message}\n`);
    return status;
  };

  let size: number;
  try {
    const file = await stat(args.file);
    if (!file.isFile()) return fail(`${args.file} is not a file`, EXIT_USAGE);
    size = file.size;
  } catch (error) {
    return fail(`cannot read ${args.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT_USAGE);
  }
  let mapping: ImportMapping = EMPTY_MAPPING;
  if (args.map !== undefined) {
    try {
      mapping = parseMappingFile(await readFile(args.map, 'utf8'));
    } catch (error) {
      const reason = error instanceof MappingFileError ? error.message : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
      return fail(`mapping file ${args.map}: ${reason}`, EXIT_USAGE);
    }
  }
  try {
    await access(dirname(args.rejects), constants.W_OK);
  } catch {
    return fail(`cannot write the rejects file ${args.rejects}: its directory is missing or not writable`, EXIT_USAGE);
  }
  const rejectsProblem = await rejectsPathProblem(args.rejects, args.file);
  if (rejectsProblem !== undefined) return fail(`cannot write the rejects file ${args.rejects}: ${rejectsProblem}`, EXIT_USAGE);
  const url = serverUrl(args.url, env);
  let client: TimelineClient | undefined;
  if (!args.dryRun) {
    if (!isHttpUrl(url)) return fail(`the server URL ${JSON.stringify(url)} must be an http(s) URL`, EXIT_USAGE);
    const keys = await apiKeys(args.keyFile, env, cwd);
    if (typeof keys === 'string') return fail(keys, EXIT_USAGE);
    client =
      io.client !== undefined
        ? io.client(url, keys)
        : new HttpTimelineClient({ baseUrl: url, keys, ...(io.retryDelaysMs !== undefined ? { retryDelaysMs: io.retryDelaysMs } : {}) });
    try {
      await client.health();
    } catch (error) {
      return fail(`${(error as Error).message}: is the server running?`, EXIT_FAILED);
    }
  }

  const format = FORMATS[args.format];
  const rejects = new RejectsFile(args.rejects);
  const started = clock();
  let report: ImportReport;
  try {
    report = await runImport({
      format,
      file: args.file,
      mapping,
      ...(client !== undefined ? { client } : {}),
      rejects,
      progress: progressReporter({ write: io.stderr, isTTY: io.isTTY === true, totalBytes: size, clock }),
      clock,
      ...(args.dateOrder !== undefined ? { dateOrder: args.dateOrder } : {}),
      ...(io.limits !== undefined ? { limits: io.limits } : {}),
      ...(io.signal !== undefined ? { signal: io.signal } : {}),
    });
  } catch (error) {
    await rejects.close().catch(() => undefined);
    if (error instanceof MissingColumns) return fail(`${basename(args.file)}: ${missingColumnsMessage(format, error)}`, EXIT_USAGE);
    if (error instanceof WrongEncoding || error instanceof NotCsv) return fail(`${basename(args.file)}: ${error.message}; nothing was sent`, EXIT_USAGE);
    if (error instanceof ServerUnavailable) {
      return fail(`stopped: ${error.message}; run again to finish (commands already sent are replayed, not duplicated)`, EXIT_FAILED);
    }
    if (error instanceof RequestRefused) return fail(`stopped: ${error.message}`, EXIT_FAILED);
    throw error;
  }
  try {
    await rejects.close();
  } catch (error) {
    return fail((error as Error).message, EXIT_FAILED);
  }

  const seconds = ((clock() - started) / 1000).toFixed(1);
  const { tally } = report;
  io.stdout(
    `import${args.dryRun ? ' (dry run, nothing sent)' : ''}: ${format.name} ${basename(args.file)}: ${tally.records.toLocaleString('en-US')} records in ${seconds} s${args.dryRun ? '' : ` into ${url}`}\n`,
  );
  for (const line of tally.lines()) io.stdout(`${line}\n`);
  io.stdout(`rejects: ${args.rejects} (${report.rejected.toLocaleString('en-US')} line${report.rejected === 1 ? '' : 's'})\n`);
  if (report.csvAbort !== undefined) {
    const before = args.dryRun ? 'nothing was sent (dry run)' : tally.landed() > 0 ? 'the rows before it were imported' : 'nothing was imported';
    return fail(`${basename(args.file)}: ${report.csvAbort}; ${before}`, EXIT_USAGE);
  }
  if (report.interrupted) return fail('interrupted: run the same command again to finish', EXIT_INTERRUPTED);
  if (tally.records === 0) return fail(`${basename(args.file)}: the file holds its header and no records: nothing to import`, EXIT_FAILED);
  if (tally.landed() === 0) return fail(`nothing was ${args.dryRun ? 'valid' : 'created, replayed or already there'}`, EXIT_FAILED);
  return EXIT_OK;
}

/** The dataset as its users name it, with its article. */
const EXPORT_NAMES: Readonly<Record<DatasetName, string>> = { acled: 'an ACLED export', ucdp: 'a UCDP GED export' };

/** Which columns the header lacks, and the other format when the header is that format's. */
function missingColumnsMessage(format: DatasetFormat, error: MissingColumns): string {
  const other = Object.values(FORMATS).find((candidate) => candidate !== format && candidate.requiredColumns.every((column) => error.found.has(column)));
  if (other !== undefined) return `this is ${EXPORT_NAMES[other.name]}, not ${EXPORT_NAMES[format.name]}: run with --format ${other.name}`;
  return `not ${EXPORT_NAMES[format.name]}: ${error.message}`;
}

/**
 * The keys: --key-file's writer key (its admin key for retractions; an admin key alone does
 * both), else TIMELINE_API_KEY for everything, else the data directory's api-keys.json.
 */
async function apiKeys(keyFile: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<ApiKeys | string> {
  if (keyFile === undefined && env.TIMELINE_API_KEY) return { writer: env.TIMELINE_API_KEY };
  const file = keyFile ?? defaultKeyFile(env, cwd);
  let content: unknown;
  try {
    content = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'not JSON' : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
    return `no API key: cannot read ${file} (${reason}); pass --key-file or set TIMELINE_API_KEY`;
  }
  const keys = (content as { keys?: unknown }).keys;
  const find = (role: string): string | undefined => {
    if (!Array.isArray(keys)) return undefined;
    const entry = (keys as { role?: unknown; key?: unknown }[]).find((k) => k?.role === role && typeof k.key === 'string' && k.key !== '');
    return entry?.key as string | undefined;
  };
  const writer = find('writer');
  const admin = find('admin');
  if (writer === undefined && admin === undefined) return `no API key: ${file} holds no writer or admin key ({"keys": [{"role", "key"}]})`;
  return { writer: writer ?? admin!, ...(admin !== undefined ? { admin } : {}) };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Why the rejects file cannot be written over, checked before anything is read or sent: it is the input itself, or a directory. */
async function rejectsPathProblem(rejects: string, input: string): Promise<string | undefined> {
  const [target, source] = await Promise.all([stat(rejects).catch(() => undefined), stat(input).catch(() => undefined)]);
  if (target === undefined) return undefined;
  if (target.isDirectory()) return 'it is a directory';
  if (source !== undefined && target.dev === source.dev && target.ino === source.ino) return 'it is the file being imported';
  return undefined;
}
