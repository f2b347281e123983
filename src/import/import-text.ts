import { createHash } from 'node:crypto';
import { LIMITS } from '../features/input-limits.js';

/**
 * Characters the server refuses in free text (C0/C1 controls but tab and line breaks, bidi
 * embedding, override and isolate controls). The importer removes them instead of losing the row.
 */
const UNSAFE_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'g');

/** Free text as the server takes it: unsafe characters removed, ends trimmed. */
export function cleanText(value: string): string {
  return value.replace(UNSAFE_CHARACTERS, '').trim();
}

/** A one-line name: cleaned, every run of white space one space. */
export function cleanName(value: string): string {
  return cleanText(value).replace(/\s+/g, ' ');
}

/** True when the server would accept this text as it is. */
export function isSafeText(value: string): boolean {
  return !UNSAFE_CHARACTER.test(value);
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', nbsp: ' ' };

/** UCDP's text fields carry HTML character references (`&#8217;`): they are decoded. */
export function decodeHtmlEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-z]{2,4});/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body] ?? whole;
  });
}

/**
 * Cuts text to at most `max` UTF-16 units, at the last white space when there is one in the
 * second half, never inside a surrogate pair.
 */
export function cutAtWord(value: string, max: number): string {
  if (value.length <= max) return value;
  let cut = value.slice(0, max);
  const space = cut.search(/\s\S*$/);
  if (space > max / 2) cut = cut.slice(0, space);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut.trimEnd();
}

/**
 * Lowercase ASCII slug of a name: accents folded, apostrophes dropped, every other run of
 * non-alphanumerics one dash. Empty when nothing ASCII is left (an Arabic-only name).
 */
export function asciiSlug(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['’‘ʼʻʿʾ`´]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The first `length` hex characters of the SHA-256 of `value` (UTF-8). */
export function shortHash(value: string, length = 8): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, length);
}

/** Longest slug kept before the `-` and 8 hex characters of a place id. */
export const PLACE_SLUG_LENGTH = 55;

/** A slug cut to `max` characters, ending on an alphanumeric. */
function cutSlug(slug: string, max: number): string {
  return slug.slice(0, max).replace(/-+$/, '');
}

/**
 * A neighbourhood id for a dataset location: the name's slug (at most 55 characters) plus `-`
 * and 8 hex characters of the SHA-256 of the whole location, so that places sharing a name
 * (or a transliteration) stay apart. An Arabic-only name gives `place-<hash>`.
 */
export function placeId(name: string, fullLocation: string): string {
  const slug = cutSlug(asciiSlug(name), PLACE_SLUG_LENGTH) || 'place';
  return `${slug}-${shortHash(fullLocation)}`;
}

/**
 * An actor id for a dataset actor name: its slug when it fits in 64 characters; a longer
 * slug is cut to 55 and given `-` and 8 hex characters of the name's hash; a name with no
 * ASCII letters or digits gives `actor-<hash>`.
 */
export function actorId(name: string): string {
  const slug = asciiSlug(name);
  if (slug === '') return `actor-${shortHash(name)}`;
  if (slug.length <= LIMITS.idLength) return slug;
  return `${cutSlug(slug, PLACE_SLUG_LENGTH)}-${shortHash(name)}`;
}
