import type { BatchCommand, BatchResult, KeyRole } from './import-commands.js';

/** An event of the timeline that cites a dataset row, as the supersede check needs it. */
export interface StoredDatasetEvent {
  readonly rowId: string;
  readonly version: string;
  readonly eventId: string;
  readonly retracted: boolean;
}

export interface BatchAnswer {
  readonly results: readonly BatchResult[];
  readonly position?: number;
}

/** What the importer needs of the server; tests substitute an in-memory one or point it at a real server. */
export interface TimelineClient {
  /** Resolves when the server answers its health check. */
  health(): Promise<void>;
  /** `POST /v1/batches` with the writer key, or the admin key for retractions. */
  sendBatch(commands: readonly BatchCommand[], key: KeyRole): Promise<BatchAnswer>;
  /**
   * Every event of a neighbourhood that cites `sourceName` as its dataset, with the row and
   * version its reference names (`<row id>@<version>`), as of log position `minPosition` or later.
   * An unknown neighbourhood has none.
   */
  datasetEvents(neighbourhoodId: string, sourceName: string, minPosition: number): Promise<StoredDatasetEvent[]>;
}

/** The server cannot be reached, or keeps answering 503, after every retry. */
export class ServerUnavailable extends Error {}

/** The server refused a whole request (a wrong key, a missing endpoint, a malformed batch). */
export class RequestRefused extends Error {}
