/**
 * Every time is shown and entered in UTC; the neighbourhood's local time is shown beside it
 * when its time zone is known.
 */
const pad = (n, width = 2) => String(n).padStart(width, '0');

/** `2018-04-18 23:30 UTC` (seconds and milliseconds only when there are some). */
export function formatUtc(ms, { withZone = true } = {}) {
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  let text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (d.getUTCSeconds() !== 0 || d.getUTCMilliseconds() !== 0) text += `:${pad(d.getUTCSeconds())}`;
  if (d.getUTCMilliseconds() !== 0) text += `.${pad(d.getUTCMilliseconds(), 3)}`;
  return withZone ? `${text} UTC` : text;
}

const ENTRY = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|UTC|[+-]\d{2}:\d{2})?$/i;

/**
 * An instant typed by a person: `2018-04-18`, `2018-04-18 23:30`, or ISO 8601. Without a zone it
 * is UTC. NaN when it is not a real date and time.
 */
export function parseUtc(text) {
  const match = ENTRY.exec(text.trim());
  if (match === null) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', ms = '0', zone] = match;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0')));
  const check = new Date(utc);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return Number.NaN;
  if (zone === undefined || /^(z|utc)$/i.test(zone)) return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [zh, zm] = zone.slice(1).split(':').map(Number);
  return utc - sign * (zh * 60 + zm) * 60_000;
}

/** The instant as the API takes and gives it. */
export const isoUtc = (ms) => new Date(ms).toISOString();

/**
 * Time zones of countries that keep one, by name and ISO 3166 code: the neighbourhood's local
 * time when its country is one of them. Countries spanning several zones have none here.
 */
const COUNTRY_ZONES = {
  afghanistan: 'Asia/Kabul', af: 'Asia/Kabul',
  armenia: 'Asia/Yerevan', am: 'Asia/Yerevan',
  azerbaijan: 'Asia/Baku', az: 'Asia/Baku',
  'burkina faso': 'Africa/Ouagadougou', bf: 'Africa/Ouagadougou',
  cameroon: 'Africa/Douala', cm: 'Africa/Douala',
  'central african republic': 'Africa/Bangui', cf: 'Africa/Bangui',
  colombia: 'America/Bogota', co: 'America/Bogota',
  egypt: 'Africa/Cairo', eg: 'Africa/Cairo',
  ethiopia: 'Africa/Addis_Ababa', et: 'Africa/Addis_Ababa',
  georgia: 'Asia/Tbilisi', ge: 'Asia/Tbilisi',
  haiti: 'America/Port-au-Prince', ht: 'America/Port-au-Prince',
  iran: 'Asia/Tehran', ir: 'Asia/Tehran',
  iraq: 'Asia/Baghdad', iq: 'Asia/Baghdad',
  israel: 'Asia/Jerusalem', il: 'Asia/Jerusalem',
  jordan: 'Asia/Amman', jo: 'Asia/Amman',
  lebanon: 'Asia/Beirut', lb: 'Asia/Beirut',
  libya: 'Africa/Tripoli', ly: 'Africa/Tripoli',
  mali: 'Africa/Bamako', ml: 'Africa/Bamako',
  mozambique: 'Africa/Maputo', mz: 'Africa/Maputo',
  myanmar: 'Asia/Yangon', mm: 'Asia/Yangon',
  niger: 'Africa/Niamey', ne: 'Africa/Niamey',
  nigeria: 'Africa/Lagos', ng: 'Africa/Lagos',
  pakistan: 'Asia/Karachi', pk: 'Asia/Karachi',
  palestine: 'Asia/Hebron', ps: 'Asia/Hebron',
  somalia: 'Africa/Mogadishu', so: 'Africa/Mogadishu',
  'south sudan': 'Africa/Juba', ss: 'Africa/Juba',
  sudan: 'Africa/Khartoum', sd: 'Africa/Khartoum',
  syria: 'Asia/Damascus', sy: 'Asia/Damascus',
  turkey: 'Europe/Istanbul', türkiye: 'Europe/Istanbul', tr: 'Europe/Istanbul',
  ukraine: 'Europe/Kyiv', ua: 'Europe/Kyiv',
  yemen: 'Asia/Aden', ye: 'Asia/Aden',
};

/**
 * The IANA zone of a neighbourhood: its own `timeZone`, else its country's. Checked when first
 * formatted, not here: reading a zone's rules the first time takes tens of milliseconds.
 */
export function zoneOf(neighbourhood) {
  return neighbourhood.timeZone ?? COUNTRY_ZONES[String(neighbourhood.country ?? '').trim().toLowerCase()];
}

/** Formats by zone; null for a zone this browser does not know. */
const localFormats = new Map();

function localFormat(zone) {
  let format = localFormats.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', day: 'numeric', month: 'short', year: 'numeric', timeZoneName: 'short' });
    } catch {
      format = null;
    }
    localFormats.set(zone, format);
  }
  return format;
}

/** Whether this browser can show times in the zone. */
export function knowsZone(zone) {
  return zone !== undefined && localFormat(zone) !== null;
}

/** `02:30, 19 Apr 2018 Damascus time (GMT+3)`, or '' without a zone (or with one the browser does not know). */
export function formatLocal(ms, zone) {
  if (zone === undefined || !Number.isFinite(ms)) return '';
  const format = localFormat(zone);
  if (format === null) return '';
  const city = zone.split('/').pop().replace(/_/g, ' ');
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return `${parts.hour}:${parts.minute}, ${parts.day} ${parts.month} ${parts.year} ${city} time (${parts.timeZoneName})`;
}
