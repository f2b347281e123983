/**
 * Hostile inputs for every command endpoint, as fast-check arbitraries.
 *
 * A case is DATA (a list of mutations of a valid body, or a whole-body replacement), never a
 * function, so that a counterexample prints readably and shrinks: a 900 kB string is written
 * `{op: 'huge-string', length: 900000, unit: 'x'}` and only materialised when it is sent.
 *
 * Every generated case carries the answer API.md demands of it (its verdict):
 * - `invalid`: 400 VALIDATION_FAILED (or 413 PAYLOAD_TOO_LARGE once the body is over 1 MiB);
 * - `unsupported`: 415 UNSUPPORTED_MEDIA_TYPE;
 * - `refused`: some 4xx, optionally with a given code (a domain refusal);
 * - `maybe`: a valid body after all; 201 or a 4xx.
 * The verdicts are worked out here from the documented rules (API.md, input-limits.ts), not by
 * asking the code under test.
 */
import fc from 'fast-check';
import { LIMITS } from '../../src/features/input-limits.js';
import { PLACEHOLDER_DATES, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = readonly (string | number)[];

export type Verdict =
  | { readonly kind: 'invalid' }
  | { readonly kind: 'unsupported' }
  | { readonly kind: 'refused'; readonly codes?: readonly string[] }
  | { readonly kind: 'maybe' };

const INVALID: Verdict = { kind: 'invalid' };
const MAYBE: Verdict = { kind: 'maybe' };
const refused = (...codes: string[]): Verdict => ({ kind: 'refused', ...(codes.length > 0 ? { codes } : {}) });

// ---------------------------------------------------------------------------------------------
// The endpoints and their fields
// ---------------------------------------------------------------------------------------------

export type FieldKind =
  | 'new-id' // a slug naming something new (actor, neighbourhood, position)
  | 'side' // a slug that needs no registration
  | 'actor-ref'
  | 'text'
  | 'enum'
  | 'report-instant' // occurredAt: must lie between the baseline and now
  | 'baseline-instant' // controlAsOf: must not lie in the future
  | 'figure-int'
  | 'credibility'
  | 'weight'
  | 'coordinates'
  | 'bool'
  | 'url'
  | 'uuid-ref'
  | 'actor-list'
  | 'position-list'
  | 'sources'
  | 'source'
  | 'position-specs'
  | 'position-spec'
  | 'figure';

export interface FieldSpec {
  readonly path: Path;
  readonly kind: FieldKind;
  readonly required: boolean;
  /** Text: max length; lists: max items. */
  readonly max?: number;
  /** Lists: min items. */
  readonly min?: number;
  readonly values?: readonly string[];
}

/** Values the test fills in when it sends a case (fresh ids, event ids it created). */
export interface BaseContext {
  /** A slug nobody has used yet. */
  fresh(prefix: string): string;
  /** The id of an attack in Tadamon. */
  readonly attackId: string;
  /** The id of an attack in the front neighbourhood. */
  readonly frontAttackId: string;
  /** A position of the front neighbourhood that syrian-regime holds and nobody captured yet. */
  readonly capturable: string;
  /** A position of the front neighbourhood that syrian-regime holds and did not leave yet. */
  readonly retreatable: string;
  /** The id of an attack in Tadamon that is not retracted yet (as far as the test knows). */
  readonly retractableId: string;
}

export type EndpointName =
  | 'actors'
  | 'neighbourhoods'
  | 'positions'
  | 'attacks'
  | 'captures'
  | 'counterattacks'
  | 'retreats'
  | 'casualties'
  | 'retractions';

export interface EndpointSpec {
  readonly name: EndpointName;
  readonly path: string;
  readonly role: 'writer' | 'admin';
  readonly fields: readonly FieldSpec[];
  readonly base: (ctx: BaseContext) => { [key: string]: Json };
}

export const TADAMON_PATH = '/v1/neighbourhoods/damascus-tadamon';
/**
 * A neighbourhood of the test's own, with a pool of positions, so that a valid capture or
 * retreat stays valid: each accepted one moves the test on to the next position.
 */
export const FRONT_ID = 'hostile-input-front';
export const FRONT_PATH = `/v1/neighbourhoods/${FRONT_ID}`;
export const RELIABILITY = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export const TIME_PRECISIONS = ['exact', 'hour', 'day', 'week', 'month'] as const;
export const POSITION_KINDS = ['building', 'block', 'checkpoint', 'sector', 'landmark'] as const;
export const ACTOR_KINDS = ['state-forces', 'rebel-group', 'militia', 'external-force', 'other'] as const;

const f = (path: string, kind: FieldKind, required: boolean, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  path: path.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
  kind,
  required,
  ...extra,
});

const sourceFields = (prefix: string): FieldSpec[] => [
  f(`${prefix}`, 'source', true),
  f(`${prefix}.name`, 'text', true, { max: LIMITS.nameLength }),
  f(`${prefix}.kind`, 'text', true, { max: LIMITS.nameLength }),
  f(`${prefix}.reliability`, 'enum', true, { values: RELIABILITY }),
  f(`${prefix}.credibility`, 'credibility', true),
  f(`${prefix}.url`, 'url', false),
  f(`${prefix}.protected`, 'bool', false),
];

const reportFields: FieldSpec[] = [
  f('occurredAt', 'report-instant', true),
  f('timePrecision', 'enum', false, { values: TIME_PRECISIONS }),
  f('sources', 'sources', true, { min: 1, max: LIMITS.sourcesPerReport }),
  ...sourceFields('sources.0'),
  f('notes', 'text', false, { max: LIMITS.notesLength }),
];

const positionSpecFields = (prefix: string): FieldSpec[] => [
  f(`${prefix}`, 'position-spec', true),
  f(`${prefix}.id`, 'new-id', true),
  f(`${prefix}.name`, 'text', true, { max: LIMITS.nameLength }),
  f(`${prefix}.nameAr`, 'text', false, { max: LIMITS.nameLength }),
  f(`${prefix}.kind`, 'enum', false, { values: POSITION_KINDS }),
  f(`${prefix}.weight`, 'weight', false),
  f(`${prefix}.coordinates`, 'coordinates', false),
  f(`${prefix}.controller`, 'actor-ref', false),
];

const figureFields = (prefix: string, required: boolean): FieldSpec[] => [
  f(prefix, 'figure', required),
  f(`${prefix}.low`, 'figure-int', false),
  f(`${prefix}.best`, 'figure-int', true),
  f(`${prefix}.high`, 'figure-int', false),
];

/** A source with every field set, so that each can be mutated. */
const fullSource = (): { [key: string]: Json } => ({
  name: 'field sources (مصادر ميدانية)',
  kind: 'field',
  reliability: 'C',
  credibility: 3,
  url: 'https://example.org/report/1',
  protected: false,
});

const reportBase = (): { [key: string]: Json } => ({
  occurredAt: PLACEHOLDER_DATES.missiles,
  timePrecision: 'hour',
  sources: [fullSource()],
  notes: 'Hostile-input test report.\nSecond line, with Arabic: حي التضامن',
});

const positionSpec = (id: string): { [key: string]: Json } => ({
  id,
  name: 'Test position',
  nameAr: 'موقع اختبار',
  kind: 'building',
  weight: 1,
  coordinates: [36.3, 33.48],
  controller: 'isis',
});

export const ENDPOINTS: readonly EndpointSpec[] = [
  {
    name: 'actors',
    path: '/v1/actors',
    role: 'writer',
    fields: [
      f('id', 'new-id', true),
      f('name', 'text', true, { max: LIMITS.nameLength }),
      f('nameAr', 'text', false, { max: LIMITS.nameLength }),
      f('side', 'side', true),
      f('kind', 'enum', false, { values: ACTOR_KINDS }),
    ],
    base: (ctx) => ({ id: ctx.fresh('actor'), name: 'Test actor', nameAr: 'فاعل اختبار', side: 'pro-government', kind: 'militia' }),
  },
  {
    name: 'neighbourhoods',
    path: '/v1/neighbourhoods',
    role: 'writer',
    fields: [
      f('id', 'new-id', true),
      f('name', 'text', true, { max: LIMITS.nameLength }),
      f('nameAr', 'text', false, { max: LIMITS.nameLength }),
      f('city', 'text', true, { max: LIMITS.nameLength }),
      f('country', 'text', true, { max: LIMITS.nameLength }),
      f('controlAsOf', 'baseline-instant', true),
      f('positions', 'position-specs', true, { min: 1, max: LIMITS.positionsPerCommand }),
      ...positionSpecFields('positions.0'),
    ],
    base: (ctx) => ({
      id: ctx.fresh('hood'),
      name: 'Test neighbourhood',
      nameAr: 'حي الاختبار',
      city: 'Damascus',
      country: 'Syria',
      controlAsOf: PLACEHOLDER_DATES.baseline,
      positions: [positionSpec(ctx.fresh('pos'))],
    }),
  },
  {
    name: 'positions',
    path: `${TADAMON_PATH}/positions`,
    role: 'writer',
    fields: [f('positions', 'position-specs', true, { min: 1, max: LIMITS.positionsPerCommand }), ...positionSpecFields('positions.0')],
    base: (ctx) => ({ positions: [positionSpec(ctx.fresh('pos'))] }),
  },
  {
    name: 'attacks',
    path: `${TADAMON_PATH}/attacks`,
    role: 'writer',
    fields: [
      f('attackers', 'actor-list', true, { min: 1, max: LIMITS.actorsPerList }),
      // Real data names no second party as often as not: defenders may be omitted, null or [].
      f('defenders', 'actor-list', false, { min: 0, max: LIMITS.actorsPerList }),
      f('targets', 'position-list', false, { min: 0, max: LIMITS.positionsPerCommand }),
      f('origin', 'text', false, { max: LIMITS.originLength }),
      ...reportFields,
    ],
    base: () => ({ attackers: ['isis'], defenders: ['ndf'], targets: [P.blockA], origin: 'Yarmouk camp (مخيم اليرموك)', ...reportBase() }),
  },
  {
    name: 'captures',
    path: `${FRONT_PATH}/captures`,
    role: 'writer',
    fields: [
      f('by', 'actor-ref', true),
      f('positions', 'position-list', true, { min: 1, max: LIMITS.positionsPerCommand }),
      f('attackId', 'uuid-ref', false),
      ...reportFields,
    ],
    base: (ctx) => ({ by: 'isis', positions: [ctx.capturable], attackId: ctx.frontAttackId, ...reportBase() }),
  },
  {
    name: 'counterattacks',
    path: `${TADAMON_PATH}/counterattacks`,
    role: 'writer',
    fields: [
      f('by', 'actor-ref', true),
      f('against', 'actor-ref', false),
      f('targets', 'position-list', false, { min: 0, max: LIMITS.positionsPerCommand }),
      f('inResponseTo', 'uuid-ref', false),
      ...reportFields,
    ],
    base: (ctx) => ({ by: 'syrian-regime', against: 'isis', targets: [P.bakery1], inResponseTo: ctx.attackId, ...reportBase() }),
  },
  {
    name: 'retreats',
    path: `${FRONT_PATH}/retreats`,
    role: 'writer',
    fields: [
      f('by', 'actor-ref', true),
      f('positions', 'position-list', true, { min: 1, max: LIMITS.positionsPerCommand }),
      f('yieldedTo', 'actor-ref', false),
      ...reportFields,
    ],
    base: (ctx) => ({ by: 'syrian-regime', positions: [ctx.retreatable], yieldedTo: 'isis', ...reportBase() }),
  },
  {
    name: 'casualties',
    path: `${TADAMON_PATH}/casualties`,
    role: 'writer',
    fields: [f('actor', 'actor-ref', false), ...figureFields('killed', true), ...figureFields('wounded', false), ...reportFields],
    base: () => ({
      actor: 'syrian-regime',
      killed: { low: 1, best: 2, high: 3 },
      wounded: { low: 0, best: 4, high: 10 },
      ...reportBase(),
    }),
  },
  {
    name: 'retractions',
    path: `${TADAMON_PATH}/retractions`,
    role: 'admin',
    fields: [f('eventId', 'uuid-ref', true), f('reason', 'text', true, { max: LIMITS.reasonLength })],
    base: (ctx) => ({ eventId: ctx.retractableId, reason: 'Hostile-input test: the report was false' }),
  },
];

// ---------------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------------

/** C0/C1 controls (tab, LF and CR aside) and the bidi embedding/override/isolate controls. */
export const UNSAFE_CHARS: readonly string[] = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).filter((c) => !'\t\n\r'.includes(c)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)),
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
];
const UNSAFE = new RegExp(`[${UNSAFE_CHARS.map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`);
export const hasUnsafeChar = (s: string): boolean => UNSAFE.test(s);

/**
 * README "Input limits": free text must hold a character that shows. White space and
 * separators, control and format characters and the other default-ignorable code points do not.
 */
const NOTHING_VISIBLE = /^[\p{White_Space}\p{Z}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]*$/u;
export const isBlank = (s: string): boolean => NOTHING_VISIBLE.test(s);
/** A UTF-16 surrogate without its pair: no Unicode text, refused anywhere in a body. */
export const hasLoneSurrogate = (s: string): boolean => /\p{Cs}/u.test(s);

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const isSlug = (s: string): boolean => s.length <= LIMITS.idLength && SLUG.test(s);

/** Names that must never be taken as actors: refs built from them are unknown. */
export const UNKNOWN_PREFIX = 'zz-unknown';

/** `base` with one unsafe character put somewhere in it. */
const withUnsafeChar = (base: string): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom(...UNSAFE_CHARS), fc.nat({ max: base.length })).map(([c, at]) => base.slice(0, at) + c + base.slice(at));

const unsafeOnly = fc.string({ unit: fc.constantFrom(...UNSAFE_CHARS), minLength: 1, maxLength: 8 });

/** Values that are JSON of another type than a string. */
const notAString: fc.Arbitrary<Json> = fc.oneof(
  fc.integer() as fc.Arbitrary<Json>,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constantFrom<Json>([], ['isis'], {}, { value: 'x' }),
);

/** Values that are JSON of another type than a number. */
const notANumber: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>('3', '1', '0', '', '1e3', 'NaN', 'Infinity', '0x10', ' 2 '),
  fc.boolean(),
  fc.constantFrom<Json>([], [3], {}, { best: 1 }),
);

const slugArb = fc.stringMatching(/^[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,3}$/);

/** Strings that are not slugs, with the reason in the name. */
const notASlug: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    'ISIS',
    'Isis',
    'isis ',
    ' isis',
    '-isis',
    'isis-',
    'is--is',
    'is_is',
    'is.is',
    'is/is',
    '../etc/passwd',
    'ïsis',
    'іsis', // Cyrillic і
    'داعش',
    'isis\u0000',
    '\u202Esisi',
    'a'.repeat(LIMITS.idLength + 1),
    `${'a'.repeat(32)}-${'b'.repeat(32)}`, // 65 characters
  ),
  withUnsafeChar('isis'),
  withUnsafeChar('syrian-regime'),
  fc.string({ unit: 'binary', maxLength: 70 }).filter((s) => !isSlug(s)),
);

export interface InstantCase {
  readonly value: string;
  readonly verdict: Verdict;
}

const BASELINE_MS = Date.parse(PLACEHOLDER_DATES.baseline);
const DAY_MS = 86_400_000;

/** Strings the brief and API.md call impossible or not ISO 8601 with a zone. */
const IMPOSSIBLE_INSTANTS = [
  '2018-02-30T10:00:00Z', // no 30 February
  '2018-02-29T10:00:00Z', // 2018 is no leap year
  '2018-04-31T10:00:00Z',
  '2018-13-01T10:00:00Z',
  '2018-00-10T10:00:00Z',
  '2018-04-00T10:00:00Z',
  '2018-04-18T24:00:00Z',
  '2018-04-18T23:60:00Z',
  '2018-04-18T23:59:60Z', // leap second
  '2018-04-18T10:00:00', // no zone
  '2018-04-18T10:00', // no zone
  '2018-04-18', // a date, not an instant
  '2018-04-18 10:00:00Z', // space instead of T
  '2018-04-18T10:00:00+25:00',
  '2018-04-18T10:00:00+05:60',
  '2018-04-18T10:00:00.1234567890Z', // 10 fraction digits
  '2018-04-18T10:00:00UTC',
  '2018-04-18T10:00:00 Z',
  '0000-01-01T00:00:00Z', // year 0
  '0001-01-01T00:00:00Z',
  '1899-12-31T23:59:59Z', // before 1900
  '+275760-09-13T00:00:00Z', // the last Date
  '+275760-09-13T00:00:00.001Z', // one past it
  '-000001-01-01T00:00:00Z',
  '99999-01-01T00:00:00Z',
  '10000-01-01T00:00:00Z',
  '18/04/2018',
  '04/18/2018 10:00',
  'April 18, 2018',
  'Wed, 18 Apr 2018 10:00:00 GMT',
  '1524045600000',
  'now',
  'yesterday',
  '',
  ' ',
  'Invalid Date',
  'null',
  '2018-04-18T10:00:00Z\u0000',
  '\u202E2018-04-18T10:00:00Z',
  '2018-04-18T10:00:00Z ',
  ' 2018-04-18T10:00:00Z',
  '２０１８-04-18T10:00:00Z', // full-width digits
];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Classifies an instant string by the documented rule, independently of the server's code. */
export function classifyInstant(value: string, field: 'report-instant' | 'baseline-instant', now = Date.now()): Verdict {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(value);
  if (!match) return INVALID;
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(match[i])) as [number, number, number, number, number];
  const s = match[6] === undefined ? 0 : Number(match[6]);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) return INVALID;
  // API.md: offsets up to ±14:00 (UTC+14:00 is the largest in use).
  if (match[10] !== undefined && (Number(match[11]) > 59 || Number(match[10]) * 60 + Number(match[11]) > 14 * 60)) return INVALID;
  const at = Date.parse(value);
  // Five minutes of clock skew are tolerated; stay well clear of the edge.
  if (at > now + DAY_MS) return refused('OCCURRED_IN_FUTURE');
  if (at > now - DAY_MS) return MAYBE;
  if (field === 'report-instant' && at < BASELINE_MS) return refused('BEFORE_BASELINE');
  return MAYBE;
}

const instantFrom = (ms: number, zone: string, fraction: string): string => {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction}${zone}`;
};

/** Hostile and odd instants, each with its verdict for `field`. */
function instantArb(field: 'report-instant' | 'baseline-instant'): fc.Arbitrary<InstantCase> {
  const now = Date.now();
  const withVerdict = (value: string): InstantCase => ({ value, verdict: classifyInstant(value, field, now) });
  return fc.oneof(
    fc.constantFrom(...IMPOSSIBLE_INSTANTS).map((value) => ({ value, verdict: INVALID })),
    // Made of components, any of which may be out of range.
    fc
      .record({
        y: fc.oneof(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 1899, max: 2100 })),
        mo: fc.integer({ min: 0, max: 13 }),
        d: fc.integer({ min: 0, max: 32 }),
        h: fc.integer({ min: 0, max: 25 }),
        mi: fc.integer({ min: 0, max: 61 }),
        s: fc.option(fc.integer({ min: 0, max: 61 })),
        fraction: fc.option(fc.stringMatching(/^[0-9]{1,12}$/)),
        zone: fc.constantFrom('Z', '', '+00:00', '-00:00', '+14:00', '-12:00', '+05:30', '+14:59', '+14:01', '-14:00', '-14:30', '+15:00', '+02:60', '+0200', '+02'),
      })
      .map(({ y, mo, d, h, mi, s, fraction, zone }) => {
        const seconds = s === null ? '' : `:${pad(s)}${fraction === null ? '' : `.${fraction}`}`;
        return `${y < 10_000 ? pad(y, 4) : String(y)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}${seconds}${zone}`;
      })
      .map(withVerdict),
    // Future instants, up to the year 9999.
    fc
      .integer({ min: 2, max: Math.floor((Date.UTC(9999, 11, 31) - now) / DAY_MS) })
      .chain((days) => fc.constantFrom('Z', '+14:00', '-12:00').map((zone) => instantFrom(now + days * DAY_MS, zone, '')))
      .map(withVerdict),
    // Before the baseline, back to 1900.
    fc
      .integer({ min: Date.UTC(1900, 0, 2), max: BASELINE_MS - 1000 })
      .map((ms) => instantFrom(ms, 'Z', ''))
      .map(withVerdict),
    // Valid instants in the week of the report.
    fc
      .integer({ min: Date.parse(PLACEHOLDER_DATES.wednesdayAttack), max: Date.parse(PLACEHOLDER_DATES.missiles) })
      .chain((ms) =>
        fc.constantFrom('', '.5', '.123456789').map((fraction) => instantFrom(ms, 'Z', fraction)),
      )
      .map(withVerdict),
    fc.string({ unit: 'binary', maxLength: 40 }).map(withVerdict),
  );
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

/** Items of a generated list (materialised when sent). */
export type ListItems =
  | { readonly kind: 'copies'; readonly of: Json } // the same item again and again
  | { readonly kind: 'unknown-slugs'; readonly length: number } // distinct unknown ids of that length
  | { readonly kind: 'fresh-specs' } // distinct new position specs
  | { readonly kind: 'base-item' }; // copies of the valid body's first item

export type Mutation =
  | { readonly op: 'set'; readonly path: Path; readonly value: Json; readonly verdict: Verdict; readonly why: string }
  | { readonly op: 'delete'; readonly path: Path; readonly verdict: Verdict }
  /** A key added to the object at `path`; `hugeKey` replaces `key` by a key of that length. */
  | {
      readonly op: 'add-key';
      readonly path: Path;
      readonly key: string;
      readonly hugeKey?: number;
      readonly value: Json;
      readonly verdict: Verdict;
    }
  | { readonly op: 'huge-string'; readonly path: Path; readonly length: number; readonly unit: string; readonly verdict: Verdict }
  | { readonly op: 'list'; readonly path: Path; readonly count: number; readonly items: ListItems; readonly verdict: Verdict }
  | { readonly op: 'deep'; readonly path: Path; readonly depth: number; readonly shape: 'object' | 'array' | 'proto'; readonly verdict: Verdict };

/** A whole body that replaces the valid one. */
export type BodyCase =
  | { readonly op: 'raw'; readonly text: string; readonly contentType: string; readonly verdict: Verdict; readonly why: string }
  | { readonly op: 'truncated'; readonly keep: number; readonly verdict: Verdict }
  | { readonly op: 'content-type'; readonly contentType: string | null; readonly body: 'valid' | 'form' | 'text'; readonly verdict: Verdict }
  | { readonly op: 'bytes'; readonly how: 'invalid-utf8-in-notes' | 'bom' | 'utf16'; readonly verdict: Verdict }
  | { readonly op: 'no-body'; readonly contentType: string | null; readonly verdict: Verdict };

export type HostileCase =
  | { readonly kind: 'fields'; readonly mutations: readonly Mutation[] }
  | { readonly kind: 'body'; readonly body: BodyCase };

const set = (path: Path, why: string) => (value: Json, verdict: Verdict): Mutation => ({ op: 'set', path, value, verdict, why });

/** For a required field null is a missing value; for an optional one it means "absent". */
const nullFor = (field: FieldSpec): Mutation => set(field.path, 'null')(null, field.required ? INVALID : MAYBE);

function stringFieldValues(field: FieldSpec): fc.Arbitrary<Mutation> {
  const s = (why: string) => set(field.path, why);
  switch (field.kind) {
    case 'text': {
      const max = field.max!;
      return fc.oneof(
        fc.constant(s('empty')('', INVALID)),
        fc.integer({ min: max + 1, max: max + 64 }).map((n) => s('one past the limit')('ت'.repeat(n), INVALID)),
        fc.constant(s('at the limit')('ت'.repeat(max), MAYBE)),
        withUnsafeChar('Abu Turabi bakery').map((v) => s('control/bidi char')(v, INVALID)),
        withUnsafeChar('فرن أبو ترابي').map((v) => s('control/bidi char in Arabic')(v, INVALID)),
        unsafeOnly.map((v) => s('only control/bidi chars')(v, INVALID)),
        // Marks that Arabic text legitimately uses, and white space, stay allowed around text.
        fc.constantFrom('\u200Fفرن\u200E', 'line 1\nline 2\r\n\tindented', '\u061Cx', ' x ').map((v) => s('allowed marks')(v, MAYBE)),
        // ... but are no text on their own.
        fc
          .constantFrom(' ', '   ', '\n\t', '\u00A0', '\u3000', '\u200B', '\u200F\u200E', '\uFEFF', '\u2060', '\u3164', ' \u200B ')
          .map((v) => s('nothing visible')(v, INVALID)),
        fc.constantFrom('\uD800', 'a\uDC00b', 'x\uD83D').map((v) => s('a lone surrogate')(v, INVALID)),
        fc.string({ unit: 'binary', maxLength: 60 }).map((v) =>
          s('random text')(v, v.length > max || hasUnsafeChar(v) || isBlank(v) || hasLoneSurrogate(v) ? INVALID : MAYBE),
        ),
      );
    }
    case 'new-id':
    case 'side':
      return fc.oneof(
        notASlug.map((v) => s('not a slug')(v, INVALID)),
        slugArb.filter((v) => !v.startsWith(UNKNOWN_PREFIX)).map((v) => s('another slug')(v, MAYBE)),
        fc.constant(s('a slug of 64 characters')(`${'a'.repeat(31)}-${'b'.repeat(32)}`, MAYBE)),
      );
    case 'actor-ref':
      return fc.oneof(
        notASlug.map((v) => s('not a slug')(v, INVALID)),
        slugArb.map((v) => s('unknown actor')(`${UNKNOWN_PREFIX}-${v}`, refused('ACTOR_UNKNOWN'))),
        fc.constantFrom('isis', 'ndf', 'hezbollah', 'syrian-regime').map((v) => s('another known actor')(v, MAYBE)),
      );
    case 'enum':
      return fc.oneof(
        fc.constantFrom(...field.values!).map((v) => s('another allowed value')(v, MAYBE)),
        fc
          .constantFrom(...field.values!)
          .chain((v) => fc.constantFrom(v.toUpperCase(), ` ${v}`, `${v} `, `${v}${v}`, `${v}\u0000`, `\u202E${v}`, v.normalize('NFKD') + '\u0301'))
          .filter((v) => !field.values!.includes(v))
          .map((v) => s('a near miss')(v, INVALID)),
        fc.constantFrom('', 'G', 'unknown', 'Ａ', 'null', '0').map((v) => s('not an allowed value')(v, INVALID)),
      );
    case 'report-instant':
    case 'baseline-instant':
      return instantArb(field.kind).map(({ value, verdict }) => s('instant')(value, verdict));
    case 'url':
      return fc.oneof(
        fc
          .constantFrom(
            'javascript:alert(1)',
            'ftp://example.org/x',
            'file:///etc/passwd',
            'data:text/html,<script>alert(1)</script>',
            'example.org/report',
            '//example.org/report',
            'http://',
            'https://',
            'https://exa mple.org/',
            'http://[::1',
            '',
            'not a url',
            `https://example.org/${'a'.repeat(LIMITS.urlLength)}`,
          )
          .map((v) => s('not an http(s) URL')(v, INVALID)),
        // A URL must not hide control or bidi characters either (a raw NUL is no URL at all).
        withUnsafeChar('https://example.org/report').map((v) => s('control/bidi char in a URL')(v, INVALID)),
        fc.webUrl({ validSchemes: ['http', 'https'] }).filter((v) => v.length <= LIMITS.urlLength).map((v) => s('some URL')(v, MAYBE)),
      );
    case 'uuid-ref':
      return fc.oneof(
        fc
          .constantFrom(
            'not-a-uuid',
            '',
            '00000000-0000-4000-8000-00000000000',
            '00000000-0000-4000-8000-0000000000000',
            '{00000000-0000-4000-8000-000000000000}',
            'zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz',
            '00000000-0000-4000-8000-000000000000\u0000',
            '00000000000040008000000000000000',
          )
          .map((v) => s('not a uuid')(v, INVALID)),
        fc.uuid().map((v) => s('an unknown uuid')(v, refused())),
      );
    default:
      throw new Error(`no string values for ${field.kind}`);
  }
}

/** Values for one field: the wrong JSON type, null, or hostile values of the right type. */
export function fieldValue(field: FieldSpec): fc.Arbitrary<Mutation> {
  const s = (why: string) => set(field.path, why);
  const wrongType = (values: fc.Arbitrary<Json>) => values.map((v) => s('wrong type')(v, INVALID));
  switch (field.kind) {
    case 'text':
    case 'new-id':
    case 'side':
    case 'actor-ref':
    case 'enum':
    case 'report-instant':
    case 'baseline-instant':
    case 'url':
    case 'uuid-ref':
      return fc.oneof(wrongType(notAString), fc.constant(nullFor(field)), stringFieldValues(field), stringFieldValues(field));
    case 'credibility':
      return fc.oneof(
        wrongType(notANumber),
        fc.constant(nullFor(field)),
        fc.constantFrom<Json>(0, 7, -1, 3.5, 1.0000001, 6.5, 1e21, -0.5, 2 ** 53 + 2, Number.MAX_VALUE).map((v) => s('out of range')(v, INVALID)),
        fc.constantFrom<Json>('3', '1', 'A').map((v) => s('a string')(v, INVALID)),
        fc.integer({ min: 1, max: 6 }).map((v) => s('another grade')(v, MAYBE)),
        fc.integer().filter((v) => v < 1 || v > 6).map((v) => s('out of range')(v, INVALID)),
      );
    case 'figure-int':
      return fc.oneof(
        wrongType(notANumber),
        fc.constant(nullFor(field)),
        fc
          .constantFrom<Json>(-1, 1.5, LIMITS.casualtyFigureMax + 1, 1e21, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 53 + 2)
          .map((v) => s('out of range')(v, INVALID)),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Number.isInteger(v)).map((v) => s('not an integer')(v, INVALID)),
        // In range: low <= best <= high may or may not hold.
        fc.integer({ min: 0, max: LIMITS.casualtyFigureMax }).map((v) => s('in range')(v, MAYBE)),
      );
    case 'weight':
      return fc.oneof(
        wrongType(notANumber),
        fc.constant(nullFor(field)),
        fc.constantFrom<Json>(0, -1, 1e-7, 1_000_001, 1e21, Number.MAX_VALUE, -Number.MIN_VALUE).map((v) => s('out of range')(v, INVALID)),
        fc.double({ min: 0.001, max: 1_000_000, noNaN: true }).map((v) => s('in range')(v, MAYBE)),
      );
    case 'coordinates':
      return fc.oneof(
        fc.constant(nullFor(field)),
        fc
          .constantFrom<Json>(
            [181, 0],
            [-181, 0],
            [0, 91],
            [0, -90.0001],
            [1],
            [],
            [1, 2, 3],
            ['36.3', '33.4'],
            [null, null],
            [[36.3], [33.4]],
            [true, false],
            { lon: 36.3, lat: 33.4 },
            '36.3,33.4',
            36.3,
            [1e308, 1e308],
          )
          .map((v) => s('not [lon, lat]')(v, INVALID)),
        fc
          .tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }))
          .map((v) => s('in range')(v, MAYBE)),
      );
    case 'bool':
      return fc.oneof(
        fc.constant(nullFor(field)),
        fc.constantFrom<Json>('true', 'false', 0, 1, '', [], {}, [true]).map((v) => s('not a boolean')(v, INVALID)),
        fc.boolean().map((v) => s('a boolean')(v, MAYBE)),
      );
    case 'actor-list':
    case 'position-list': {
      const unknown = field.kind === 'actor-list' ? 'ACTOR_UNKNOWN' : 'POSITION_UNKNOWN';
      return fc.oneof(
        fc.constant(nullFor(field)),
        fc.constantFrom<Json>('isis', {}, { 0: 'isis' }, 1, true, [1], [null], [['isis']], [{}], [{ id: 'isis' }]).map((v) => s('not a list of ids')(v, INVALID)),
        fc.constant(s('empty')([], field.min! > 0 ? INVALID : MAYBE)),
        notASlug.map((v) => s('a list holding a non-slug')([v], INVALID)),
        slugArb.map((v) => s('an unknown id')([`${UNKNOWN_PREFIX}-${v}`], refused(unknown))),
        fc.constantFrom('isis', P.blockA).map((v) => s('an id twice')([v, v], refused())),
      );
    }
    case 'sources':
      return fc.oneof(
        fc.constant(nullFor(field)),
        fc.constant(s('no source')([], INVALID)),
        fc.constantFrom<Json>({}, 'field sources', 1, true, [null], ['field sources'], [[]], [1], [{}]).map((v) => s('not a list of sources')(v, INVALID)),
      );
    case 'position-specs':
      return fc.oneof(
        fc.constant(nullFor(field)),
        fc.constant(s('no position')([], INVALID)),
        fc.constantFrom<Json>({}, 'p', 1, true, [null], ['p'], [[]], [1], [{}], [{ id: 'p' }]).map((v) => s('not a list of positions')(v, INVALID)),
      );
    case 'source':
    case 'position-spec':
    case 'figure':
      return fc.oneof(
        fc.constant(nullFor(field)),
        fc.constantFrom<Json>([], 'x', 1, true, {}, [{ best: 1 }]).map((v) => s('not the object')(v, INVALID)),
      );
  }
}

/** Keys a body must not have anywhere (each object's fields aside). */
const UNKNOWN_KEYS = [
  'occuredAt',
  'occurredat',
  'OccurredAt',
  'occurred_at',
  'source',
  'Sources',
  'isAdmin',
  'role',
  'recordedBy',
  'recordedAt',
  'streamRevision',
  'type',
  'neighbourhoodId',
  'constructor',
  'prototype',
  '__proto__',
  'toString',
  'toCommand', // a method of every command DTO
  'hasOwnProperty',
  'isPrototypeOf',
  'valueOf',
  '__defineGetter__',
  '',
  ' ',
  'a.b',
  '$where',
  '\u0000',
  '\u202Eid',
];

/** Builds an object whose keys are all own properties, `__proto__` included. */
export function objectOf(entries: readonly (readonly [string, Json])[]): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Values of an unknown key, some of which try to pollute prototypes. */
const unknownValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(true, 1, 'x', null, [], {}),
  fc.constant(objectOf([['__proto__', objectOf([['polluted', 'yes']])]])),
  fc.constant(objectOf([['constructor', objectOf([['prototype', objectOf([['polluted', 'yes']])]])]])),
  fc.constant(objectOf([['prototype', objectOf([['polluted', 'yes']])]])),
  fc.constant(objectOf([['isAdmin', true]])),
);

/** Objects of the body a key can be added to, with the fields each already has. */
function objectPaths(endpoint: EndpointSpec): { path: Path; fields: Set<string> }[] {
  const objects = new Map<string, { path: Path; fields: Set<string> }>([['', { path: [], fields: new Set() }]]);
  for (const field of endpoint.fields) {
    // An item of an array is no object to add keys to (JSON.stringify would drop them).
    if (typeof field.path.at(-1) !== 'string') continue;
    const parent = field.path.slice(0, -1);
    const key = parent.join('.');
    if (!objects.has(key)) objects.set(key, { path: parent, fields: new Set() });
    objects.get(key)!.fields.add(String(field.path.at(-1)));
  }
  return [...objects.values()];
}

const STRING_KINDS = new Set<FieldKind>(['text', 'new-id', 'side', 'actor-ref', 'enum', 'report-instant', 'baseline-instant', 'url', 'uuid-ref']);
const LIST_KINDS = new Set<FieldKind>(['actor-list', 'position-list', 'sources', 'position-specs']);

/** Long strings: past the field's own limit, up to past the 1 MiB body limit. */
function hugeString(field: FieldSpec): fc.Arbitrary<Mutation> {
  const limit = field.kind === 'text' ? field.max! : field.kind === 'url' ? LIMITS.urlLength : LIMITS.idLength;
  return fc
    .record({
      unit: fc.constantFrom('x', 'ت', '😀', '\u0000', '\u202E', 'a-'),
      // Characters just past the limit, or bytes (JSON-escaped) up to around the 1 MiB body limit.
      size: fc.oneof(
        fc.integer({ min: limit + 1, max: limit + 1000 }).map((chars) => ({ chars })),
        fc.integer({ min: 100_000, max: 600_000 }).map((bytes) => ({ bytes })),
        fc.integer({ min: 1024 * 1024 - 2000, max: 1024 * 1024 + 2000 }).map((bytes) => ({ bytes })),
      ),
    })
    .map(({ unit, size }): Mutation => {
      const perChar = Buffer.byteLength(JSON.stringify(unit).slice(1, -1)) / Array.from(unit).length;
      const length = 'chars' in size ? size.chars : Math.max(limit + 1, Math.round(size.bytes / perChar));
      return { op: 'huge-string', path: field.path, length, unit, verdict: INVALID };
    });
}

function hugeList(field: FieldSpec): fc.Arbitrary<Mutation> {
  const max = field.max!;
  const list = (count: number, items: ListItems, verdict: Verdict): Mutation => ({ op: 'list', path: field.path, count, items, verdict });
  const over = fc.oneof(fc.integer({ min: max + 1, max: max + 10 }), fc.integer({ min: max + 1, max: 20 * max }));
  switch (field.kind) {
    case 'actor-list':
      return fc.oneof(
        over.map((n) => list(n, { kind: 'copies', of: 'isis' }, INVALID)),
        over.map((n) => list(n, { kind: 'unknown-slugs', length: 64 }, INVALID)),
        // Within the limit, but every id unknown: the refusal must not list them all at length.
        fc.integer({ min: 1, max }).map((n) => list(n, { kind: 'unknown-slugs', length: 64 }, refused('ACTOR_UNKNOWN'))),
      );
    case 'position-list':
      return fc.oneof(
        over.map((n) => list(n, { kind: 'copies', of: P.blockA }, INVALID)),
        over.map((n) => list(n, { kind: 'unknown-slugs', length: 64 }, INVALID)),
        fc.integer({ min: 1, max }).map((n) => list(n, { kind: 'unknown-slugs', length: 64 }, refused('POSITION_UNKNOWN'))),
      );
    case 'sources':
      return fc.oneof(
        over.map((n) => list(n, { kind: 'base-item' }, INVALID)),
        fc.integer({ min: 2, max }).map((n) => list(n, { kind: 'base-item' }, MAYBE)),
        // Every item wrong: the refusal must stay bounded however many fields are wrong.
        fc
          .tuple(fc.integer({ min: 2, max: 20 * max }), fc.constantFrom<Json>({}, { name: '', kind: 7, reliability: 'Z', credibility: '3', url: 'x', protected: 'no' }))
          .map(([n, of]) => list(n, { kind: 'copies', of }, INVALID)),
      );
    case 'position-specs':
      return fc.oneof(
        fc.integer({ min: max + 1, max: max + 3000 }).map((n) => list(n, { kind: 'base-item' }, INVALID)),
        fc.integer({ min: 2, max: 10 }).map((n) => list(n, { kind: 'fresh-specs' }, MAYBE)),
        fc.integer({ min: 2, max: 20 }).map((n) => list(n, { kind: 'base-item' }, refused())), // the same id twice
        fc
          .tuple(fc.integer({ min: 2, max: max + 3000 }), fc.constantFrom<Json>({}, { id: 'X', name: '', kind: 'castle', weight: 0, coordinates: [999, 999], controller: 'ISIS' }))
          .map(([n, of]) => list(n, { kind: 'copies', of }, INVALID)),
      );
    default:
      throw new Error(`no lists for ${field.kind}`);
  }
}

/** Mutations of one endpoint's valid body. */
export function mutationArb(endpoint: EndpointSpec): fc.Arbitrary<Mutation> {
  const fields = endpoint.fields;
  const objects = objectPaths(endpoint);
  const nonStrings = fields.filter((fl) => !STRING_KINDS.has(fl.kind));
  const lists = fields.filter((fl) => LIST_KINDS.has(fl.kind));
  const anyPath = fc.oneof(
    fc.constantFrom(...fields.map((field) => field.path)),
    fc.constantFrom(...objects.map((o) => [...o.path, 'extra'] as Path)),
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...fields).chain(fieldValue) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...fields).map((field): Mutation => ({ op: 'delete', path: field.path, verdict: field.required ? INVALID : MAYBE })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ at: fc.constantFrom(...objects), key: fc.constantFrom(...UNKNOWN_KEYS), value: unknownValue })
        .filter(({ at, key }) => !at.fields.has(key))
        .map(({ at, key, value }): Mutation => ({ op: 'add-key', path: at.path, key, value, verdict: INVALID })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ at: fc.constantFrom(...objects), length: fc.oneof(fc.integer({ min: 1000, max: 20_000 }), fc.integer({ min: 100_000, max: 1_100_000 })) })
        .map(({ at, length }): Mutation => ({ op: 'add-key', path: at.path, key: 'k', hugeKey: length, value: 1, verdict: INVALID })),
    },
    { weight: 2, arbitrary: fc.constantFrom(...fields.filter((fl) => STRING_KINDS.has(fl.kind))).chain(hugeString) },
    ...(nonStrings.length === 0
      ? []
      : [
          {
            weight: 1,
            arbitrary: fc
              .record({ field: fc.constantFrom(...nonStrings), length: fc.integer({ min: 1000, max: 900_000 }) })
              .map(({ field, length }): Mutation => ({ op: 'huge-string', path: field.path, length, unit: '9', verdict: INVALID })),
          },
        ]),
    ...(lists.length === 0 ? [] : [{ weight: 2, arbitrary: fc.constantFrom(...lists).chain(hugeList) }]),
    {
      weight: 2,
      arbitrary: fc
        .record({ path: anyPath, shape: fc.constantFrom('object', 'array', 'proto') as fc.Arbitrary<'object' | 'array' | 'proto'> })
        .chain(({ path, shape }) =>
          // Up to a little over the 1 MiB body limit.
          fc
            .oneof(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 1000, max: 10_000 }), fc.integer({ min: 10_000, max: Math.floor(1_100_000 / DEEP_BYTES_PER_LEVEL[shape]) }))
            .map((depth): Mutation => ({ op: 'deep', path, depth, shape, verdict: INVALID })),
        ),
    },
  );
}

/** Cases of one endpoint: one to three mutations of distinct top-level fields, or a whole body. */
export function caseArb(endpoint: EndpointSpec): fc.Arbitrary<HostileCase> {
  const mutations = fc.uniqueArray(mutationArb(endpoint), {
    minLength: 1,
    maxLength: 3,
    // Two mutations of the same top-level field would undo each other's verdicts.
    selector: (m) => String(m.path[0] ?? `(${m.op === 'add-key' ? m.key : ''})`),
  });
  return fc.oneof(
    { weight: 6, arbitrary: mutations.map((ms): HostileCase => ({ kind: 'fields', mutations: ms })) },
    { weight: 1, arbitrary: bodyCaseArb.map((body): HostileCase => ({ kind: 'body', body })) },
  );
}

const JSON_TYPE = 'application/json';

/** Content types the API must refuse with 415, and some it must take. */
const FOREIGN_TYPES = [
  'text/plain',
  'text/json',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/jsonp',
  'application/json-patch+json',
  'application/vnd.api+json',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json, text/plain',
  'application/octet-stream',
  'json',
  '*/*',
  '',
];
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8', 'application/json; charset="utf-8"'];

const bodyCaseArb: fc.Arbitrary<BodyCase> = fc.oneof(
  fc
    .constantFrom(
      ['empty', ''],
      ['white space', '   \n\t'],
      ['a JSON array', '[]'],
      ['a JSON array of an object', '[{}]'],
      ['a JSON string', '"isis"'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['JSON true', 'true'],
      ['an empty object', '{}'],
      ['two objects', '{}{}'],
      ['a trailing comma', '{"a": 1,}'],
      ['single quotes', "{'id': 'isis'}"],
      ['a comment', '{/* x */}'],
      ['NaN', '{"credibility": NaN}'],
      ['a lone surrogate escape', '{"name": "\\ud800"}'],
      ['a NUL escape', '{"name": "\\u0000"}'],
      ['a raw NUL', '{"name": "\u0000"}'],
      ['__proto__ at the top', '{"__proto__": {"polluted": "yes"}}'],
      ['constructor.prototype at the top', '{"constructor": {"prototype": {"polluted": "yes"}}}'],
      ['a duplicate key', '{"id": "a", "id": "b"}'],
      ['unbalanced brackets', '{"a": [1, 2}'],
      ['not JSON', 'id=isis&name=x'],
      ['XML', '<actor id="isis"/>'],
    )
    .map(([why, text]): BodyCase => ({ op: 'raw', text, contentType: JSON_TYPE, verdict: INVALID, why })),
  fc
    .string({ unit: 'binary', maxLength: 200 })
    .map((text): BodyCase => ({ op: 'raw', text, contentType: JSON_TYPE, verdict: INVALID, why: 'random text' })),
  fc.json({ maxDepth: 3 }).map((text): BodyCase => ({ op: 'raw', text, contentType: JSON_TYPE, verdict: INVALID, why: 'random JSON' })),
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }).map((keep): BodyCase => ({ op: 'truncated', keep, verdict: INVALID })),
  fc
    .record({ contentType: fc.constantFrom<string | null>(...FOREIGN_TYPES, null), body: fc.constantFrom('valid', 'form', 'text') as fc.Arbitrary<'valid' | 'form' | 'text'> })
    .map(({ contentType, body }): BodyCase => ({ op: 'content-type', contentType, body, verdict: { kind: 'unsupported' } })),
  fc.constantFrom(...JSON_TYPES).map((contentType): BodyCase => ({ op: 'content-type', contentType, body: 'valid', verdict: MAYBE })),
  // JSON is UTF-8 (RFC 8259): bytes that are not are refused, never stored as U+FFFD.
  fc.constantFrom('invalid-utf8-in-notes', 'bom', 'utf16').map((how): BodyCase => ({
    op: 'bytes',
    how: how as 'invalid-utf8-in-notes' | 'bom' | 'utf16',
    verdict: how === 'bom' ? MAYBE : INVALID,
  })),
  fc.constantFrom<string | null>(null, JSON_TYPE, 'text/plain').map((contentType): BodyCase => ({ op: 'no-body', contentType, verdict: INVALID })),
);

// ---------------------------------------------------------------------------------------------
// Materialising a case into bytes
// ---------------------------------------------------------------------------------------------

const DEEP_SENTINEL = '\uE000deep\uE000';
const DEEP_BYTES_PER_LEVEL = { object: 6, array: 2, proto: 30 } as const;

function deepText(depth: number, shape: 'object' | 'array' | 'proto'): string {
  switch (shape) {
    case 'object':
      return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    case 'array':
      return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    case 'proto':
      return `${'{"constructor":{"prototype":'.repeat(depth)}{"polluted":"yes"}${'}}'.repeat(depth)}`;
  }
}

function parentOf(body: { [key: string]: Json }, path: Path): { [key: string]: Json } | Json[] {
  let node: Json = body;
  for (const step of path.slice(0, -1)) node = (node as { [key: string]: Json })[step as string] as Json;
  return node as { [key: string]: Json } | Json[];
}

function setAt(body: { [key: string]: Json }, path: Path, value: Json): void {
  if (path.length === 0) throw new Error('cannot replace the body through a path');
  const parent = parentOf(body, path) as { [key: string]: Json };
  Object.defineProperty(parent, path.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
}

function getAt(body: { [key: string]: Json }, path: Path): Json {
  let node: Json = body;
  for (const step of path) node = (node as { [key: string]: Json })[step as string] as Json;
  return node;
}

const clone = (value: Json): Json => JSON.parse(JSON.stringify(value)) as Json;

function listItems(count: number, items: ListItems, baseItem: Json, ctx: BaseContext): Json[] {
  switch (items.kind) {
    case 'copies':
      return Array.from({ length: count }, () => items.of);
    case 'base-item':
      return Array.from({ length: count }, () => clone(baseItem));
    case 'unknown-slugs':
      return Array.from({ length: count }, (_, i) => `${UNKNOWN_PREFIX}-${String(i).padStart(6, '0')}-`.padEnd(items.length, 'x'));
    case 'fresh-specs':
      return Array.from({ length: count }, () => ({ ...(clone(baseItem) as { [key: string]: Json }), id: ctx.fresh('pos') }));
  }
}

export interface Request {
  readonly body: Buffer | null;
  readonly contentType: string | null;
  /** For the report: a short description of the body. */
  readonly bytes: number;
}

/** The request a case sends, built on the endpoint's valid body. */
export function materialise(endpoint: EndpointSpec, hostile: HostileCase, ctx: BaseContext): Request {
  const valid = endpoint.base(ctx);
  const request = (text: string | Buffer | null, contentType: string | null): Request => {
    const body = text === null ? null : Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
    return { body, contentType, bytes: body?.length ?? 0 };
  };
  if (hostile.kind === 'body') {
    const b = hostile.body;
    switch (b.op) {
      case 'raw':
        return request(b.text, b.contentType);
      case 'truncated': {
        const text = JSON.stringify(valid);
        return request(text.slice(0, Math.floor(b.keep * text.length)), JSON_TYPE);
      }
      case 'content-type':
        return request(b.body === 'valid' ? JSON.stringify(valid) : b.body === 'form' ? 'id=isis&name=ISIS' : 'hello', b.contentType);
      case 'bytes': {
        if (b.how === 'utf16') return request(Buffer.from(JSON.stringify(valid), 'utf16le'), JSON_TYPE);
        if (b.how === 'bom') return request(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(valid))]), JSON_TYPE);
        // Bytes that are no UTF-8 inside a string value.
        const text = JSON.stringify({ ...valid, [Object.keys(valid).includes('notes') ? 'notes' : 'name']: '\uE001' });
        const [before, after] = text.split('\uE001') as [string, string];
        return request(Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from(after)]), JSON_TYPE);
      }
      case 'no-body':
        return request(null, b.contentType);
    }
  }
  const deep: string[] = [];
  for (const m of hostile.mutations) {
    switch (m.op) {
      case 'set':
        setAt(valid, m.path, clone(m.value));
        break;
      case 'delete':
        delete (parentOf(valid, m.path) as { [key: string]: Json })[m.path.at(-1) as string];
        break;
      case 'add-key': {
        const target = m.path.length === 0 ? valid : (getAt(valid, m.path) as { [key: string]: Json });
        const key = m.hugeKey === undefined ? m.key : 'k'.repeat(m.hugeKey);
        Object.defineProperty(target, key, { value: m.value, enumerable: true, writable: true, configurable: true });
        break;
      }
      case 'huge-string':
        // `length` counts characters (code points), as the documented limits do.
        setAt(valid, m.path, m.unit.repeat(Math.ceil(m.length / Array.from(m.unit).length)));
        break;
      case 'list':
        setAt(valid, m.path, listItems(m.count, m.items, (getAt(valid, m.path) as Json[])[0] ?? null, ctx));
        break;
      case 'deep':
        setAt(valid, m.path, DEEP_SENTINEL);
        deep.push(deepText(m.depth, m.shape));
        break;
    }
  }
  let text = JSON.stringify(valid);
  for (const nested of deep) text = text.replace(JSON.stringify(DEEP_SENTINEL), () => nested);
  return request(text, JSON_TYPE);
}

/** The verdict of a whole case: a validation failure wins over a domain refusal. */
export function verdictOf(hostile: HostileCase): Verdict {
  if (hostile.kind === 'body') return hostile.body.verdict;
  const verdicts = hostile.mutations.map((m) => m.verdict);
  const invalid = verdicts.find((v) => v.kind === 'invalid');
  if (invalid) return invalid;
  const refusals = verdicts.filter((v): v is Extract<Verdict, { kind: 'refused' }> => v.kind === 'refused');
  // The code is known only for a single mutation: another one may be refused first.
  if (refusals.length === 1) return hostile.mutations.length === 1 ? refusals[0]! : refused();
  // Several domain refusals: which one the domain reports first is not documented.
  if (refusals.length > 1) return refused();
  return MAYBE;
}

/** A short label of a case, for the tallies. */
export function labelOf(hostile: HostileCase): string {
  if (hostile.kind === 'body') return `body:${hostile.body.op}`;
  return hostile.mutations.map((m) => m.op).join('+');
}

/** `text` with control and bidi characters written as \uXXXX, so that a report reads as it is. */
export function printable(text: string): string {
  return text.replace(new RegExp(UNSAFE.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
