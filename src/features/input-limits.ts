import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, Max, MaxLength, Min, ValidateBy, type ValidationOptions, buildMessage } from 'class-validator';

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

/**
 * What counts as no text at all: white space and separators (Unicode White_Space, Z*), control
 * and format characters (Cc, Cf: U+200B, U+200F, U+FEFF, …) and the other code points Unicode
 * says to draw as nothing (Default_Ignorable_Code_Point: U+3164 HANGUL FILLER, …).
 */
const BLANK_TEXT = /^[\p{White_Space}\p{Z}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]*$/u;

/** True for a string that holds at least one character that shows. */
export function hasVisibleText(value: string): boolean {
  return !BLANK_TEXT.test(value);
}

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

/** Text that shows: not empty, and not only spaces or invisible characters (nothing is trimmed). */
export function IsVisibleText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isVisibleText',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && hasVisibleText(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must hold at least one visible character (spaces and invisible characters alone are not text)`,
          options,
        ),
      },
    },
    options,
  );
}

/** What is wrong with a value meant to be a lowercase slug id, or undefined. */
export function slugProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > LIMITS.idLength) return `must be at most ${LIMITS.idLength} characters`;
  if (!SLUG_PATTERN.test(value)) return 'must be a lowercase slug ([a-z0-9]+(-[a-z0-9]+)*)';
  return undefined;
}

/** A lowercase slug id as API.md defines them. */
export function IsSlug(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSlug',
      validator: {
        validate: (value: unknown) => slugProblem(value) === undefined,
        // With `each`, the value is the list: name the problem of its first item that has one.
        defaultMessage: (args) => {
          const value: unknown = args?.value;
          const problem = options?.each === true && Array.isArray(value) ? value.map(slugProblem).find((found) => found !== undefined) : slugProblem(value);
          return `${args?.property} ${problem ?? 'must be a lowercase slug'}`;
        },
      },
    },
    options,
  );
}

/** Bounded, safe free text that shows. */
export function IsText(maxLength: number, options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(IsVisibleText(options), MaxLength(maxLength, options), IsSafeText(options));
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** The largest zone offset in use anywhere (UTC+14:00, Line Islands), in minutes; and the most negative is -12:00. */
const MAX_OFFSET_MINUTES = 14 * 60;

const MALFORMED_INSTANT = 'must be an ISO 8601 instant with a zone, e.g. 2018-04-18T06:00:00Z';

/**
 * What is wrong with a value meant to be an instant, or undefined: ISO 8601 with a zone (`Z`
 * or `±hh:mm` within ±14:00), on a real calendar date and time of day, in 1900 or later.
 * A malformed value, a date or time that does not exist and an impossible offset each have
 * their own answer.
 */
export function instantProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `${MALFORMED_INSTANT} (a string)`;
  const match = ISO_INSTANT.exec(value);
  if (!match) return MALFORMED_INSTANT;
  const [y, mo, d, h, mi] = match.slice(1, 6).map(Number) as [number, number, number, number, number];
  const sec = match[6] === undefined ? 0 : Number(match[6]);
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  // Day 0 of the next month is the last day of this one.
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return `is not a real calendar date: ${date} does not exist`;
  if (h > 23 || mi > 59 || sec > 59) return `is not a real time of day: ${match[4]}:${match[5]}${match[6] === undefined ? '' : `:${match[6]}`} does not exist`;
  if (match[8] !== undefined) {
    const minutes = Number(match[9]) * 60 + Number(match[10]);
    if (Number(match[10]) > 59) return `has a zone offset that does not exist: ${match[7]}`;
    if (minutes > MAX_OFFSET_MINUTES) return `has a zone offset beyond ±14:00: ${match[7]}`;
  }
  if (y < 1900) return 'must be in 1900 or later';
  return undefined;
}

/** True for a real calendar instant written in ISO 8601 with a zone. */
export function isInstant(value: unknown): value is string {
  return instantProblem(value) === undefined;
}

/** An ISO 8601 instant with a zone (`Z` or `±hh:mm`), on a real calendar date. */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: isInstant,
        defaultMessage: (args) => `${args?.property} ${instantProblem(args?.value) ?? MALFORMED_INSTANT}`,
      },
    },
    options,
  );
}

/**
 * A query parameter holding a whole number from `min` to `max`, written in decimal digits only:
 * `1e3`, `0x10`, ` 7` and the empty string stay strings and are refused, and so is any number
 * above 2^53 - 1, which JavaScript cannot hold exactly.
 */
export function QueryInteger(min: number, max: number = Number.MAX_SAFE_INTEGER): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,20}$/.test(value) ? Number(value) : value)),
    IsInt(),
    Min(min),
    Max(max),
  );
}
