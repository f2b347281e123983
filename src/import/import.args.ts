import { isAbsolute, join, resolve } from 'node:path';
import type { DatasetName } from './dataset-format.js';
import { DATE_ORDERS, type DateOrder } from './import-time.js';

export const IMPORT_USAGE = `Usage: npm run import -- --format acled|ucdp --file <F.csv> [--url <http://127.0.0.1:3000>]
         [--key-file <data/api-keys.json>] [--map <mapping.json>] [--date-order dmy|mdy] [--dry-run]
         [--rejects <F.csv.rejects.csv>]

Imports an ACLED or UCDP GED export into the timeline through POST /v1/batches. Every command
carries an idempotency key derived from the row, so running it again writes nothing new and an
interrupted import is finished by running it again (with the same API key). docs/import.md has
the mapping of every column.

  --format acled|ucdp  the export's dataset
  --file <F.csv>       the export (CSV, read as a stream)
  --url <url>          the server; default TIMELINE_URL, else http://HOST:PORT (127.0.0.1:3000)
  --key-file <file>    the server's api-keys.json: its writer key sends, its admin key retracts
                       superseded ACLED rows; default TIMELINE_API_KEY (one key for everything),
                       else <TIMELINE_DATA_DIR or ./data>/api-keys.json
  --map <file>         places, actor overrides and source ratings (schema in docs/import.md)
  --date-order dmy|mdy which comes first in numeric dates such as 03/04/2020, as a spreadsheet
                       re-saves them (dmy: day first, as in Europe; mdy: month first, as in the US);
                       without it a date such as 15/03/2020 in the file settles it, and a file
                       whose every date reads either way stops at its first one
  --dry-run            map and check every row locally; send nothing
  --rejects <file>     where refused commands are listed (default <F.csv>.rejects.csv)
  -h, --help           print this

Progress goes to stderr, the summary to stdout.
Exit status: 0 imported, 1 nothing created, replayed or already there (or the server failed),
2 wrong arguments, a missing header column or a CSV the parser cannot read on, 130 interrupted.`;

export interface ImportArgs {
  readonly format: DatasetName;
  readonly file: string;
  readonly url?: string;
  readonly keyFile?: string;
  readonly map?: string;
  readonly dateOrder?: DateOrder;
  readonly dryRun: boolean;
  readonly rejects: string;
}

export type ParsedImportArgs =
  | { readonly kind: 'run'; readonly args: ImportArgs }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

const VALUE_OPTIONS = ['--format', '--file', '--url', '--key-file', '--map', '--date-order', '--rejects'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

/** `--name value` and `--name=value`; every option at most once; paths resolved against `cwd`. */
export function parseImportArgs(argv: readonly string[], cwd: string): ParsedImportArgs {
  const values = new Map<ValueOption, string>();
  let dryRun = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (argument === '-h' || argument === '--help') return { kind: 'help' };
    if (argument === '--dry-run') {
      if (dryRun) return usageError('--dry-run is given twice');
      dryRun = true;
      continue;
    }
    const equals = argument.startsWith('--') ? argument.indexOf('=') : -1;
    const name = equals === -1 ? argument : argument.slice(0, equals);
    const option = VALUE_OPTIONS.find((known) => known === name);
    if (option === undefined) return usageError(`unknown argument ${JSON.stringify(argument.slice(0, 40))}`);
    if (values.has(option)) return usageError(`${option} is given twice`);
    const value = equals === -1 ? argv[(index += 1)] : argument.slice(equals + 1);
    if (value === undefined || value === '' || (equals === -1 && value.startsWith('--'))) return usageError(`${option} needs a value`);
    values.set(option, value);
  }
  const given = values.get('--format');
  if (given === undefined) return usageError('--format is required (acled or ucdp)');
  // The datasets' own names are written in capitals: ACLED, UCDP.
  const format = given.toLowerCase();
  if (format !== 'acled' && format !== 'ucdp') return usageError(`--format must be acled or ucdp, not ${JSON.stringify(given.slice(0, 20))}`);
  const file = values.get('--file');
  if (file === undefined) return usageError('--file is required');
  const path = (value: string): string => (isAbsolute(value) ? value : resolve(cwd, value));
  const url = values.get('--url');
  const keyFile = values.get('--key-file');
  const map = values.get('--map');
  const dateOrder = values.get('--date-order');
  if (dateOrder !== undefined && !DATE_ORDERS.some((order) => order === dateOrder)) {
    return usageError(`--date-order must be dmy or mdy, not ${JSON.stringify(dateOrder.slice(0, 20))}`);
  }
  return {
    kind: 'run',
    args: {
      format,
      file: path(file),
      ...(url !== undefined ? { url } : {}),
      ...(keyFile !== undefined ? { keyFile: path(keyFile) } : {}),
      ...(map !== undefined ? { map: path(map) } : {}),
      ...(dateOrder !== undefined ? { dateOrder: dateOrder as DateOrder } : {}),
      dryRun,
      rejects: path(values.get('--rejects') ?? `${file}.rejects.csv`),
    },
  };
}

/** The server's address: --url, else TIMELINE_URL, else http://HOST:PORT as the server binds them. */
export function serverUrl(url: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (url !== undefined) return url;
  if (env.TIMELINE_URL) return env.TIMELINE_URL;
  const host = (env.HOST ?? '').trim();
  const address = host === '' || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${address}:${env.PORT?.trim() || '3000'}`;
}

/** The key file read when neither --key-file nor TIMELINE_API_KEY is given. */
export function defaultKeyFile(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  return join(resolve(cwd, env.TIMELINE_DATA_DIR ?? './data'), 'api-keys.json');
}

function usageError(message: string): ParsedImportArgs {
  return { kind: 'usage-error', message };
}
