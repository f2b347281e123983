import { toBatchCommand, type BatchCommand, type BatchResult, type ImportCommand, type KeyRole } from './import-commands.js';
import type { TimelineClient } from './timeline-client.js';

/** A command with what its answer is filed under. */
export interface Outgoing {
  readonly command: ImportCommand;
  readonly record: number;
  readonly rowId: string;
  readonly version?: string;
  /** The neighbourhood whose stream the command appends to, for ordering. */
  readonly neighbourhoodId?: string;
}

export interface BatchLimits {
  /** Commands per batch (the server takes 1,000). */
  readonly maxCommands: number;
  /** Bytes of a batch body (the server takes 1 MiB). */
  readonly maxBytes: number;
  /** Batches sent and not yet answered. */
  readonly maxInFlight: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxCommands: 1_000, maxBytes: 1_000_000, maxInFlight: 2 };

/** `{"commands":[` and `]}`. */
const ENVELOPE_BYTES = 16;

interface Batch {
  readonly items: Outgoing[];
  readonly wire: BatchCommand[];
  bytes: number;
  readonly neighbourhoods: Set<string>;
}

interface Flight {
  readonly neighbourhoods: ReadonlySet<string>;
  readonly done: Promise<void>;
}

export class CommandTooLarge extends Error {}

/**
 * Packs commands into batches of at most `maxCommands` and `maxBytes`, in the order given, and
 * keeps up to `maxInFlight` batches in flight when ordering allows: a batch waits for every
 * batch in flight that appends to one of its neighbourhoods, so each neighbourhood receives its
 * commands in row order. Registrations go through {@link sendNow} and are answered before any
 * command that uses them is added. Answers go to `onResult` in each batch's order.
 */
export class BatchDispatcher {
  private current = emptyBatch();
  private readonly flights = new Set<Flight>();
  private failure: unknown;
  private position = 0;
  /** Commands added and not yet answered, by row id. */
  private readonly pendingRows = new Map<string, number>();

  constructor(
    private readonly client: TimelineClient,
    private readonly limits: BatchLimits,
    private readonly onResult: (item: Outgoing, result: BatchResult) => void,
  ) {}

  /** The highest log position the server has answered with. */
  get lastPosition(): number {
    return this.position;
  }

  async add(item: Outgoing): Promise<void> {
    this.throwIfFailed();
    const [wire, bytes] = onTheWire(item.command);
    if (bytes + ENVELOPE_BYTES > this.limits.maxBytes) throw new CommandTooLarge(`a command of ${bytes} bytes does not fit in a batch`);
    if (this.current.items.length + 1 > this.limits.maxCommands || this.current.bytes + bytes > this.limits.maxBytes) {
      await this.dispatchCurrent();
    }
    this.current.items.push(item);
    this.current.wire.push(wire);
    this.current.bytes += bytes;
    this.pendingRows.set(item.rowId, (this.pendingRows.get(item.rowId) ?? 0) + 1);
    if (item.neighbourhoodId !== undefined) this.current.neighbourhoods.add(item.neighbourhoodId);
  }

  /** True while a command of this row is waiting to be sent or unanswered. */
  isPending(rowId: string): boolean {
    return this.pendingRows.has(rowId);
  }

  /** Waits until every command added for this neighbourhood is answered. */
  async settle(neighbourhoodId: string): Promise<void> {
    if (this.current.neighbourhoods.has(neighbourhoodId)) await this.dispatchCurrent();
    await Promise.all([...this.flights].filter((flight) => flight.neighbourhoods.has(neighbourhoodId)).map((flight) => flight.done));
    this.throwIfFailed();
  }

  /** Sends what is waiting and waits for every answer. */
  async drain(): Promise<void> {
    await this.dispatchCurrent();
    await Promise.all([...this.flights].map((flight) => flight.done));
    this.throwIfFailed();
  }

  /** Waits for the answers already under way, sending nothing more; never throws. */
  async settleInFlight(): Promise<void> {
    await Promise.all([...this.flights].map((flight) => flight.done));
  }

  /**
   * Sends these commands at once, in batches of their own with the given key, and returns
   * their answers in order (registrations before their use, retractions before a new version).
   */
  async sendNow(items: readonly Outgoing[], key: KeyRole): Promise<BatchResult[]> {
    this.throwIfFailed();
    const results: BatchResult[] = [];
    let batch = emptyBatch();
    const send = async (): Promise<void> => {
      if (batch.items.length === 0) return;
      const answer = await this.client.sendBatch(batch.wire, key);
      this.notePosition(answer.position);
      batch.items.forEach((item, index) => this.onResult(item, answer.results[index]!));
      results.push(...answer.results);
      batch = emptyBatch();
    };
    for (const item of items) {
      const [wire, bytes] = onTheWire(item.command);
      if (batch.items.length + 1 > this.limits.maxCommands || batch.bytes + bytes > this.limits.maxBytes) await send();
      batch.items.push(item);
      batch.wire.push(wire);
      batch.bytes += bytes;
    }
    await send();
    return results;
  }

  private async dispatchCurrent(): Promise<void> {
    const batch = this.current;
    if (batch.items.length === 0) return;
    this.current = emptyBatch();
    for (;;) {
      this.throwIfFailed();
      const flights = [...this.flights];
      const blocking = flights.filter((flight) => [...batch.neighbourhoods].some((id) => flight.neighbourhoods.has(id)));
      if (blocking.length === 0 && flights.length < this.limits.maxInFlight) break;
      await Promise.race((blocking.length > 0 ? blocking : flights).map((flight) => flight.done));
    }
    const flight: Flight = {
      neighbourhoods: batch.neighbourhoods,
      done: this.client
        .sendBatch(batch.wire, 'writer')
        .then((answer) => {
          this.notePosition(answer.position);
          batch.items.forEach((item, index) => this.onResult(item, answer.results[index]!));
        })
        .catch((error: unknown) => {
          this.failure ??= error;
        })
        .then(() => {
          for (const item of batch.items) {
            const left = (this.pendingRows.get(item.rowId) ?? 1) - 1;
            if (left > 0) this.pendingRows.set(item.rowId, left);
            else this.pendingRows.delete(item.rowId);
          }
          this.flights.delete(flight);
        }),
    };
    this.flights.add(flight);
  }

  private notePosition(position: number | undefined): void {
    if (position !== undefined && position > this.position) this.position = position;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/** A command as the batch body carries it, and its size there (with its comma). */
function onTheWire(command: ImportCommand): [BatchCommand, number] {
  const wire = toBatchCommand(command);
  return [wire, Buffer.byteLength(JSON.stringify(wire), 'utf8') + 1];
}

function emptyBatch(): Batch {
  return { items: [], wire: [], bytes: 0, neighbourhoods: new Set() };
}
