import { applyDecorators } from '@nestjs/common';
import { Matches, MaxLength, MinLength, ValidateBy, type ValidationOptions, buildMessage } from 'class-validator';

/** Documented size limits of every request field (README, OpenAPI). */
export const LIMITS = {
  idLength: 64,
  nameLength: 200,
  sideLength: 64,
  originLength: 500,
  notesLength: 10_000,
  reasonLength: 2_000,
  urlLength: 2_048,
  referenceLength: 200,
  sourcesPerReport: 50,
  actorsPerList: 50,
  positionsPerCommand: 1_000,
  idempotencyKeyLength: 200,
  casualtyFigureMax: 1_000_000,
} as const;

export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * C0/C1 control characters (tab and line breaks aside) and the bidi embedding, override and
 * isolate controls, which can make a name display as something else. The marks LRM/RLM/ALM
 * stay allowed: Arabic text legitimately uses them.
 */
const UNSAFE_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

export function IsSafeText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSafeText',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !UNSAFE_TEXT.test(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a string without control or bidi override characters`,
          options,
        ),
      },
    },
    options,
  );
}

/** A lowercase slug id as API.md defines them. */
export function IsSlug(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    MaxLength(LIMITS.idLength, options),
    Matches(SLUG_PATTERN, { ...options, message: `$property must be a lowercase slug ([a-z0-9]+(-[a-z0-9]+)*)` }),
  );
}

/** Non-empty, bounded, safe free text. */
export function IsText(maxLength: number, options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(MinLength(1, options), MaxLength(maxLength, options), IsSafeText(options));
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** True for a real calendar instant written in ISO 8601 with a zone. */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = ISO_INSTANT.exec(value);
  if (!match) return false;
  const [y, mo, d, h, mi] = match.slice(1, 6).map(Number) as [number, number, number, number, number];
  const sec = match[6] === undefined ? 0 : Number(match[6]);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
  // Date.UTC rolls 2018-02-30 over to March: a round trip exposes impossible dates.
  const sameFields =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === sec;
  const offsetOk = match[8] === undefined || (Number(match[8]) <= 14 && Number(match[9]) < 60);
  return sameFields && offsetOk && y >= 1900;
}

/** An ISO 8601 instant with a zone (`Z` or `±hh:mm`), on a real calendar date. */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: isInstant,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an ISO 8601 instant with a zone, e.g. 2018-04-18T06:00:00Z`,
          options,
        ),
      },
    },
    options,
  );
}
