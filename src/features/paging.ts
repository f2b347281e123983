import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { ApplicationError } from '../application/application-error.js';
import { QueryInteger } from './input-limits.js';
import { BitemporalQueryDto, ReadModelQueryDto } from './read-model-query.dto.js';

/** API.md "Paging and bounds": at most this many items a page, and about this many bytes. */
export const PAGE_LIMITS = { defaultItems: 100, maxItems: 1_000, maxBytes: 8 * 1024 * 1024 } as const;

/** `limit` of a paged list: 1..1000, default 100. */
export function PageLimit(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: PAGE_LIMITS.maxItems, default: PAGE_LIMITS.defaultItems }),
    IsOptional(),
    QueryInteger(1, PAGE_LIMITS.maxItems),
  );
}

/** `cursor` of a paged list: the `nextCursor` of the previous page. */
export function PageCursor(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description: 'The nextCursor of the previous page (opaque)' }),
    IsOptional(),
    IsString(),
    MaxLength(200),
    Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be the nextCursor of a previous page' }),
  );
}

/** `limit` and `cursor` of every paged list. */
export class PageQueryDto extends ReadModelQueryDto {
  @PageLimit() limit?: number;
  @PageCursor() cursor?: string;
}

/** A paged list answered as of T, as known at R. */
export class BitemporalPageQueryDto extends BitemporalQueryDto {
  @PageLimit() limit?: number;
  @PageCursor() cursor?: string;
}

/** A parameter of the paged lists that an export, which streams every item, refuses (400) when given at all. */
export function NotForExports(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    ValidateBy({
      name: 'notForExports',
      validator: {
        validate: () => false,
        defaultMessage: (args) => `${args?.property} does not apply to an export: it streams every item in one answer`,
      },
    }),
  );
}

/** A keyset position, as an opaque cursor. */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The keyset position a cursor holds; 400 when it is not one this server wrote with `shape` parts. */
export function decodeCursor(cursor: string, shape: readonly ('number' | 'string')[]): (string | number)[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const valid =
    Array.isArray(parts) &&
    parts.length === shape.length &&
    parts.every((part, index) => (shape[index] === 'number' ? Number.isSafeInteger(part) : typeof part === 'string'));
  if (!valid) {
    throw new ApplicationError('VALIDATION_FAILED', 'cursor is not one this server gave', [
      { field: 'cursor', problems: ['must be the nextCursor of a previous page'] },
    ]);
  }
  return parts as (string | number)[];
}

/**
 * Cuts a page already built to at most `maxBytes` of serialised items (at least one item is always
 * kept, and a single item is bounded by the input limits). Returns how many items fit.
 */
export function itemsWithinBytes(items: readonly unknown[], maxBytes: number = PAGE_LIMITS.maxBytes): number {
  let bytes = 0;
  for (let index = 0; index < items.length; index += 1) {
    bytes += Buffer.byteLength(JSON.stringify(items[index]));
    if (bytes > maxBytes && index > 0) return index;
  }
  return items.length;
}

/**
 * A page of a keyset list from up to `limit + 1` rows read after the cursor: the first `limit`
 * (fewer when they pass the size cut) as items, and `nextCursor` (the key of the last item kept)
 * while a row remains. Rows are read one at a time, so nothing past the cut is read or built.
 */
export function pageOf<Row, Item>(
  rows: Iterable<Row>,
  limit: number,
  item: (row: Row) => Item,
  keyOf: (row: Row) => readonly (string | number)[],
  maxBytes: number = PAGE_LIMITS.maxBytes,
): { items: Item[]; nextCursor?: string } {
  const items: Item[] = [];
  let last: Row | undefined;
  let more = false;
  let bytes = 0;
  for (const row of rows) {
    if (items.length === limit) {
      more = true;
      break;
    }
    const built = item(row);
    bytes += Buffer.byteLength(JSON.stringify(built));
    if (items.length > 0 && bytes > maxBytes) {
      more = true;
      break;
    }
    items.push(built);
    last = row;
  }
  return { items, ...(more && last !== undefined && { nextCursor: encodeCursor(keyOf(last)) }) };
}
