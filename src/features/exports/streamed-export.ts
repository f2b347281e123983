import { Logger, applyDecorators } from '@nestjs/common';
import { ApiProduces, ApiResponse } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import type { FastifyReply } from 'fastify';
import { Readable, pipeline } from 'node:stream';
import { Roles } from '../../auth/roles.decorator.js';
import { LongLivedAnswer } from '../../http/answer-deadline.js';

export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8; header=present';
export const GEOJSON_MEDIA_TYPE = 'application/geo+json';

/** Rows (or text) an export reads from a read model at a time: each page is one short read snapshot. */
export const EXPORT_PAGE_SIZE = 500;

/**
 * A streamed export route for analysts: it produces `mediaType` and takes no request timeout.
 * The idle timeout still closes a connection on which nothing moves, and an export moves as
 * long as its client reads.
 */
export function StreamedExport(mediaType: string): MethodDecorator {
  return applyDecorators(Roles('analyst'), ApiProduces(mediaType.split(';')[0]!), LongLivedAnswer());
}

/** The 503 answers of a heavy query; place it above `ReadModelResponses`, whose 503 it replaces. */
export function HeavyQueryResponse(): MethodDecorator {
  return ApiResponse({
    status: 503,
    description:
      'SERVER_BUSY: as many heavy queries (exports, perspective folds) are under way as TIMELINE_MAX_HEAVY_QUERIES allows; or ' +
      'PROJECTION_LAGGING: minPosition not reached within 5 s. Both with Retry-After',
  });
}

/** A CSV cell: text as it is, an absent value as an empty cell. */
export type CsvCell = string | null;

/**
 * RFC 4180 CSV of `rows` as they come: UTF-8 with a byte-order mark, a header row of `columns`,
 * CRLF line ends, fields quoted where they need it, and a cell that a spreadsheet would take for
 * a formula (beginning with =, +, -, @, tab or CR, or their full-width forms) prefixed with `'`.
 * Rows are pulled only as fast as the reader of the stream takes them.
 */
export function csvStream(columns: readonly string[], rows: AsyncIterable<readonly CsvCell[]>): Readable {
  const source = Readable.from(rows, { objectMode: true, highWaterMark: 16 });
  const writer = stringify({ header: true, columns: [...columns], bom: true, record_delimiter: '\r\n', escape_formulas: true });
  // A failure on either side destroys both: the rows' source is told to stop (its finally runs).
  return pipeline(source, writer, () => undefined);
}

/** Text produced piece by piece (a GeoJSON document), pulled as fast as its reader takes it. */
export function textStream(pieces: AsyncIterable<string>): Readable {
  return Readable.from(pieces, { objectMode: false, highWaterMark: 64 * 1024 });
}

const logger = new Logger('Exports');

/**
 * Sends an export as a stream (chunked), as an attachment named `filename`. `release` runs once
 * the answer is over, sent whole or cut by the client or by a failure; a failure after the first
 * byte can only cut the answer short, so it is logged.
 */
export function sendExport(reply: FastifyReply, answer: ExportAnswer): void {
  reply.raw.once('close', answer.release);
  answer.body.once('error', (error: Error) => {
    answer.release();
    logger.error(`export ${answer.filename} failed after its answer began: ${error.message}`, error.stack);
  });
  void reply
    .header('content-type', answer.mediaType)
    .header('content-disposition', `attachment; filename="${answer.filename}"`)
    .header('cache-control', 'no-store')
    .send(answer.body);
}

/** An export ready to send: its body pulls its rows from the read model as it is read. */
export interface ExportAnswer {
  readonly body: Readable;
  readonly mediaType: string;
  readonly filename: string;
  /** Gives back the heavy-query slot the export holds. */
  readonly release: () => void;
}
