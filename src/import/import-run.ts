import { BatchDispatcher, DEFAULT_BATCH_LIMITS, type BatchLimits, type Outgoing } from './batch-dispatcher.js';
import { commandProblems } from './command-limits.js';
import { CsvAbort, readCsvRecords } from './csv-records.js';
import { rowKey, type CsvRecord, type DatasetFormat, type ImportRow } from './dataset-format.js';
import { numericDates, settleDateOrder } from './date-order.js';
import { DatasetVersionIndex, decideVersion } from './dataset-versions.js';
import type { BatchResult, ImportCommand } from './import-commands.js';
import type { DateOrder, DateReading } from './import-time.js';
import { NO_PROGRESS, type ProgressSink } from './import-progress.js';
import { classifyResult, ImportTally } from './import-summary.js';
import type { ImportMapping } from './mapping-file.js';
import { fullLocation, placeNameCut, resolvePlace, type PlaceResolution } from './place-resolver.js';
import type { RejectsSink } from './rejects-file.js';
import { actorResolver, rowCommands } from './row-commands.js';
import { RequestRefused, type TimelineClient } from './timeline-client.js';

export interface ImportRunOptions {
  readonly format: DatasetFormat;
  readonly file: string;
  readonly mapping: ImportMapping;
  /** Absent for a dry run: rows are mapped and checked locally, nothing is sent. */
  readonly client?: TimelineClient;
  readonly rejects: RejectsSink;
  readonly progress?: ProgressSink;
  readonly clock?: () => number;
  readonly limits?: BatchLimits;
  /** Stops reading; what was sent is answered, then the run ends. */
  readonly signal?: AbortSignal;
  /** Bound of the supersede check's memory, in events. */
  readonly maxIndexedEvents?: number;
  /** Which comes first in the file's numeric dates (`15/03/2020`), when it has any. */
  readonly dateOrder?: DateOrder;
}

export interface ImportReport {
  readonly tally: ImportTally;
  readonly rejected: number;
  /** The run stopped early: interrupted, or the file could not be read on. */
  readonly interrupted: boolean;
  /** Why the CSV could not be read to its end. */
  readonly csvAbort?: string;
}

/** A row mapped to commands, waiting for its window to be sent. */
interface PreparedRow {
  readonly record: number;
  readonly row: ImportRow;
  readonly neighbourhoodId: string;
  readonly registrations: readonly ImportCommand[];
  readonly commands: readonly ImportCommand[];
}

type RegistrationState = 'pending' | 'created' | 'existed' | 'refused';

/**
 * Reads the file as a stream and sends its rows window by window. A window holds about one
 * batch of commands. For each window: the registrations it needs that this run has not sent
 * are sent and answered first; for a versioned dataset (ACLED), each row's stored versions are
 * checked (older rows skipped, older versions retracted with the admin key); then its commands
 * go to the dispatcher, which keeps each neighbourhood's commands in row order. Memory holds
 * one window, the batches in flight, the ids registered and the bounded version index.
 */
export async function runImport(options: ImportRunOptions): Promise<ImportReport> {
  const { format, mapping, client, rejects } = options;
  const clock = options.clock ?? Date.now;
  const progress = options.progress ?? NO_PROGRESS;
  const limits = options.limits ?? DEFAULT_BATCH_LIMITS;
  const tally = new ImportTally();
  let dates: DateReading = { today: new Date(clock()), ...(options.dateOrder !== undefined ? { order: options.dateOrder } : {}) };
  /** Settled from the whole file at its first numeric date (see `settleDateOrder`). */
  let dateOrderSettled = false;
  const registered = new Map<string, RegistrationState>();
  const versions = new DatasetVersionIndex(options.maxIndexedEvents);
  const lookupFailures = new Map<string, string>();
  /** Neighbourhoods the version index has held: one this run created starts empty only the first time. */
  const indexed = new Set<string>();
  const resolveActorName = actorResolver(mapping.actors);
  // One entry per distinct location, like the registered ids.
  const places = new Map<string, PlaceResolution>();
  /** Registrations (`actor:<id>`, `place:<id>`) whose dataset names were cut to the server's limit. */
  const cutNames = new Set<string>();
  let bytesRead = 0;

  const refuse = (record: number, row: { rowId: string; version?: string }, command: string, code: string, message: string): void => {
    tally.count(`refused:${code}`);
    rejects.write({ record, datasetId: row.rowId, ...(row.version !== undefined ? { version: row.version } : {}), command, code, message });
  };

  const onResult = (item: Outgoing, result: BatchResult): void => {
    const { outcome, warning } = classifyResult(item.command, result);
    if (warning !== undefined) tally.warn(warning);
    if (outcome.startsWith('refused:')) {
      refuse(item.record, item, item.command.role, outcome.slice('refused:'.length), result.message ?? `answered ${result.status}`);
    } else {
      tally.count(outcome);
    }
    if (item.command.role === 'actor' || item.command.role === 'place') {
      registered.set(registrationKey(item.command), outcome === 'created' ? 'created' : outcome.startsWith('refused:') ? 'refused' : 'existed');
    } else if (item.version !== undefined && item.neighbourhoodId !== undefined && typeof result.eventId === 'string' && !outcome.startsWith('refused:')) {
      versions.record(item.neighbourhoodId, { rowId: item.rowId, version: item.version, eventId: result.eventId, retracted: false });
    }
  };
  const dispatcher = client === undefined ? undefined : new BatchDispatcher(client, limits, onResult);

  const prepare = (record: CsvRecord): PreparedRow | undefined => {
    const plan = format.map(record, dates);
    if (record.truncated === true) {
      const row = plan.kind === 'skip' ? { rowId: '' } : plan;
      refuse(record.index, row, 'row', 'ROW_TRUNCATED', 'the file ends inside this record, without a line break: it may have been cut off there. Import the whole file; if this is the whole file, add a line break at its end and import it again');
      return undefined;
    }
    if (plan.kind === 'skip') {
      tally.skip(plan.type);
      return undefined;
    }
    if (plan.kind === 'invalid') {
      refuse(record.index, plan, 'row', 'ROW_INVALID', plan.message);
      return undefined;
    }
    const locationKey = `${plan.location.bestPrecision ? 1 : 0}|${fullLocation(plan.location)}`;
    let place = places.get(locationKey);
    if (place === undefined) {
      place = resolvePlace(plan.location, format.controlAsOf, mapping.places);
      places.set(locationKey, place);
    }
    if (place.kind === 'unmapped') {
      refuse(record.index, plan, 'row', 'PLACE_UNMAPPED', place.message);
      return undefined;
    }
    const now = clock();
    const built = rowCommands(format, plan, place, resolveActorName, mapping.ratings, now);
    for (const warning of built.warnings) tally.warn(warning);
    const nameCut = (key: string): void => {
      if (!registered.has(key)) cutNames.add(key);
    };
    for (const actor of built.actors) if (actor.nameCut === true) nameCut(`actor:${actor.id}`);
    if (place.kind === 'registered' && placeNameCut(plan.location)) nameCut(`place:${place.neighbourhoodId}`);
    const registrations: ImportCommand[] = built.actors.map((actor) => ({
      role: 'actor',
      path: '/v1/actors',
      idempotencyKey: `${format.name}:actor:${actor.id}`,
      body: actor.registration,
    }));
    if (place.kind === 'registered') {
      registrations.unshift({ role: 'place', path: '/v1/neighbourhoods', idempotencyKey: `${format.name}:place:${place.neighbourhoodId}`, body: place.registration });
    }
    const registrationProblems = registrations.flatMap((command) =>
      registered.has(registrationKey(command)) ? [] : commandProblems(command, now).map((problem) => `${command.role} ${registrationKey(command)}: ${problem}`),
    );
    if (registrationProblems.length > 0) {
      refuse(record.index, plan, 'row', 'VALIDATION_FAILED', registrationProblems.join('; '));
      return undefined;
    }
    const commands = built.commands.filter((command) => {
      const problems = commandProblems(command, now);
      if (problems.length > 0) refuse(record.index, plan, command.role, 'VALIDATION_FAILED', problems.join('; '));
      return problems.length === 0;
    });
    if (commands.length === 0) return undefined;
    return { record: record.index, row: plan, neighbourhoodId: place.neighbourhoodId, registrations, commands };
  };

  /** Registrations this window needs that no earlier window sent, each once, answered before use. */
  const register = async (window: readonly PreparedRow[]): Promise<void> => {
    const needed: Outgoing[] = [];
    for (const prepared of window) {
      for (const command of prepared.registrations) {
        const key = registrationKey(command);
        if (registered.has(key)) continue;
        registered.set(key, 'pending');
        // Once per actor or place, when its registration is first sent.
        if (cutNames.delete(key)) tally.warn('NAME_CUT');
        needed.push({ command, record: prepared.record, rowId: prepared.row.rowId });
      }
    }
    if (dispatcher === undefined) {
      for (const item of needed) {
        registered.set(registrationKey(item.command), 'created');
        tally.count('valid');
      }
      return;
    }
    if (needed.length > 0) await dispatcher.sendNow(needed, 'writer');
  };

  /**
   * The supersede check of a versioned dataset: rows older than the stored version are skipped;
   * events of older versions still standing are retracted (admin key) before the row is sent.
   */
  const supersede = async (window: readonly PreparedRow[]): Promise<PreparedRow[]> => {
    if (dispatcher === undefined || client === undefined) return [...window];
    const kept: PreparedRow[] = [];
    const retractions: { prepared: PreparedRow; items: Outgoing[] }[] = [];
    for (const prepared of window) {
      const { row, neighbourhoodId } = prepared;
      if (row.version === undefined) {
        kept.push(prepared);
        continue;
      }
      if (!versions.has(neighbourhoodId) && !lookupFailures.has(neighbourhoodId)) {
        const state = registered.get(`place:${neighbourhoodId}`);
        if (state === 'created' && !indexed.has(neighbourhoodId)) versions.load(neighbourhoodId, []);
        else {
          try {
            await dispatcher.settle(neighbourhoodId);
            versions.load(neighbourhoodId, await client.datasetEvents(neighbourhoodId, format.sourceName, dispatcher.lastPosition));
          } catch (error) {
            if (!(error instanceof RequestRefused)) throw error;
            lookupFailures.set(neighbourhoodId, (error as Error).message);
          }
        }
      }
      indexed.add(neighbourhoodId);
      const failure = lookupFailures.get(neighbourhoodId);
      if (failure !== undefined) {
        refuse(prepared.record, row, 'row', 'SUPERSEDE_FAILED', `the stored versions of this row could not be read: ${failure}`);
        continue;
      }
      // This run's own earlier version of the row must be answered before it can be retracted.
      if (dispatcher.isPending(row.rowId)) await dispatcher.drain();
      const decision = decideVersion(versions.versionsOf(neighbourhoodId, row.rowId), row.version);
      if (decision.kind === 'older') {
        tally.skip('OLDER_VERSION');
        continue;
      }
      if (decision.retract.length > 0) {
        retractions.push({
          prepared,
          items: decision.retract.map((old) => ({
            command: {
              role: 'retract',
              path: `/v1/neighbourhoods/${neighbourhoodId}/retractions`,
              idempotencyKey: `${format.name}:${rowKey(row)}:retract:${old.eventId}`,
              body: { eventId: old.eventId, reason: `superseded by ${format.sourceName} ${rowKey(row)} (was ${old.rowId}@${old.version})` },
            },
            record: prepared.record,
            rowId: row.rowId,
            version: row.version,
            neighbourhoodId,
          })),
        });
      }
      kept.push(prepared);
    }
    if (retractions.length === 0) return kept;
    const failed = new Set<PreparedRow>();
    const results = await dispatcher.sendNow(
      retractions.flatMap((r) => r.items),
      'admin',
    );
    let at = 0;
    for (const { prepared, items } of retractions) {
      for (const item of items) {
        const result = results[at++]!;
        const { outcome } = classifyResult(item.command, result);
        const eventId = (item.command.body as { eventId: string }).eventId;
        if (outcome.startsWith('refused:')) {
          if (!failed.has(prepared)) {
            failed.add(prepared);
            refuse(prepared.record, prepared.row, 'row', 'SUPERSEDE_FAILED', `retracting the older version's event ${eventId} was refused: ${outcome.slice(8)} ${result.message ?? ''}`.trim());
          }
        } else {
          versions.markRetracted(prepared.neighbourhoodId, eventId);
        }
      }
    }
    return kept.filter((prepared) => !failed.has(prepared));
  };

  const send = async (window: readonly PreparedRow[]): Promise<void> => {
    if (window.length === 0) return;
    await register(window);
    const rows = await supersede(window);
    for (const prepared of rows) {
      for (const command of prepared.commands) {
        if (dispatcher === undefined) {
          tally.count('valid');
          continue;
        }
        await dispatcher.add({
          command,
          record: prepared.record,
          rowId: prepared.row.rowId,
          ...(prepared.row.version !== undefined ? { version: prepared.row.version } : {}),
          neighbourhoodId: prepared.neighbourhoodId,
        });
      }
    }
  };

  let window: PreparedRow[] = [];
  let windowCommands = 0;
  const windowRows = new Set<string>();
  let interrupted = false;
  let csvAbort: string | undefined;
  try {
    const records = readCsvRecords(options.file, {
      requiredColumns: format.requiredColumns,
      onBytes: (bytes) => {
        bytesRead = bytes;
      },
      onHeaderRepeated: (record) => {
        tally.warn('HEADER_REPEATED');
        progress.note(`the header comes again after record ${record} (two exports joined?): its columns are read from there on`);
      },
    });
    for await (const record of records) {
      if (options.signal?.aborted === true) {
        interrupted = true;
        window = [];
        break;
      }
      if (!dateOrderSettled && numericDates(record, format).length > 0) {
        progress.note(`record ${record.index} has a date of numbers only: reading every date of the file for their order`);
        const order = await settleDateOrder(options.file, format, dates, record.index, options.signal);
        if (order === undefined) {
          interrupted = true;
          window = [];
          break;
        }
        dates = { ...dates, order };
        progress.note(`dates of numbers only are read ${order === 'dmy' ? 'day' : 'month'} first`);
        dateOrderSettled = true;
      }
      tally.records += 1;
      progress.update(tally.records, bytesRead);
      const prepared = prepare(record);
      if (prepared === undefined) continue;
      // A window never holds two versions of one row: the second must see the first's answers.
      if (windowCommands + prepared.commands.length > limits.maxCommands || windowRows.has(prepared.row.rowId)) {
        await send(window);
        window = [];
        windowCommands = 0;
        windowRows.clear();
      }
      window.push(prepared);
      windowCommands += prepared.commands.length;
      windowRows.add(prepared.row.rowId);
    }
  } catch (error) {
    if (!(error instanceof CsvAbort)) {
      await dispatcher?.settleInFlight();
      throw error;
    }
    csvAbort = error.message;
    interrupted = true;
  } finally {
    progress.finish();
  }
  await send(window);
  await dispatcher?.drain();
  return { tally, rejected: rejects.count, interrupted, ...(csvAbort !== undefined ? { csvAbort } : {}) };
}

/** `actor:<id>` or `place:<id>`: one registration per id and run. */
function registrationKey(command: ImportCommand): string {
  return `${command.role}:${(command.body as { id: string }).id}`;
}
