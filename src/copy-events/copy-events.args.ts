import { isSameStore, parseStoreAddress, StoreAddressError, type StoreAddress } from './store-address.js';

export const COPY_EVENTS_USAGE = `Usage: npm run copy-events -- --from <store> --to <store> [--limit <n>] [--batch-size <n>]

Copies every stream, with its event ids, revisions and global order, from one event store to
another. Re-running it copies only what the target does not hold yet, so an interrupted copy
is resumed by running it again. A target that holds anything but an earlier copy of the
source is refused, and nothing is written to it.

  <store>             sqlite:<data dir>                   the embedded store of a data directory
                      kurrentdb://host:2113?tls=false     a KurrentDB node or cluster (or esdb://)
  --limit <n>         append at most n events in this run
  --batch-size <n>    most consecutive events of one stream per append (default 100)
  -h, --help          print this

Progress goes to stderr, the summary to stdout.
Exit status: 0 copied (or nothing left to copy), 1 refused or failed, 2 usage error, 130 interrupted.`;

export interface CopyEventsArgs {
  readonly from: StoreAddress;
  readonly to: StoreAddress;
  readonly limit?: number;
  readonly batchSize?: number;
}

export type ParsedCopyEventsArgs =
  | { readonly kind: 'run'; readonly args: CopyEventsArgs }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

const VALUE_OPTIONS = ['--from', '--to', '--limit', '--batch-size'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

/** `--name value` and `--name=value`; every option at most once. */
export function parseCopyEventsArgs(argv: readonly string[], cwd: string = process.cwd()): ParsedCopyEventsArgs {
  const values = new Map<ValueOption, string>();
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (argument === '-h' || argument === '--help') return { kind: 'help' };
    const [name, inline] = splitOption(argument);
    const option = VALUE_OPTIONS.find((known) => known === name);
    if (option === undefined) return usageError(`unknown argument ${JSON.stringify(argument.slice(0, 40))}`);
    if (values.has(option)) return usageError(`${option} is given twice`);
    const value = inline ?? argv[(index += 1)];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) {
      return usageError(`${option} needs a value`);
    }
    values.set(option, value);
  }
  const from = values.get('--from');
  const to = values.get('--to');
  if (from === undefined || to === undefined) return usageError('both --from and --to are required');
  try {
    const args: CopyEventsArgs = {
      from: parseStoreAddress(from, cwd),
      to: parseStoreAddress(to, cwd),
      ...optionalCount(values.get('--limit'), '--limit', 0),
      ...optionalCount(values.get('--batch-size'), '--batch-size', 1),
    };
    if (isSameStore(args.from, args.to)) return usageError('--from and --to name the same store');
    return { kind: 'run', args };
  } catch (error) {
    if (error instanceof StoreAddressError || error instanceof RangeError) return usageError(error.message);
    throw error;
  }
}

function splitOption(argument: string): [string, string | undefined] {
  const equals = argument.indexOf('=');
  return argument.startsWith('--') && equals !== -1 ? [argument.slice(0, equals), argument.slice(equals + 1)] : [argument, undefined];
}

function optionalCount(raw: string | undefined, name: '--limit' | '--batch-size', min: number): Partial<CopyEventsArgs> {
  if (raw === undefined) return {};
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  return name === '--limit' ? { limit: value } : { batchSize: value };
}

function usageError(message: string): ParsedCopyEventsArgs {
  return { kind: 'usage-error', message };
}
