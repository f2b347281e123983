/**
 * The HTTP API with the user's key. The key lives in this tab's sessionStorage only: it goes
 * in the Authorization header of each request, never in a URL, and the console never logs it.
 */
const KEY_ITEM = 'incident-timeline.api-key';

export const session = {
  key() {
    return sessionStorage.getItem(KEY_ITEM);
  },
  store(key) {
    sessionStorage.setItem(KEY_ITEM, key);
  },
  forget() {
    sessionStorage.removeItem(KEY_ITEM);
  },
};

/** An answer other than 2xx, with the API's code and message. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `The server answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.code ?? 'HTTP_' + status;
    this.details = body?.details;
  }
}

/** `path` with its query: arrays repeat their parameter; undefined, null and '' are left out. */
export function withQuery(path, parameters = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined && one !== null && one !== '') query.append(name, String(one));
    }
  }
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** A busy server (503 with Retry-After: SERVER_BUSY, PROJECTION_LAGGING) is asked again this many times, for reads. */
const RETRIES = 2;

/**
 * One request to /v1. `signal` aborts it (a newer view replaces an older one). A 401 forgets the
 * key, so that the page asks for one again.
 */
export async function api(path, { method = 'GET', parameters, body, signal, key = session.key() } = {}) {
  const headers = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(withQuery(`/v1${path}`, parameters), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
      credentials: 'omit',
    });
    const text = await response.text();
    let parsed;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed;
    const wait = Number(response.headers.get('retry-after'));
    if (response.status === 503 && method === 'GET' && attempt < RETRIES && wait > 0 && wait <= 10) {
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      continue;
    }
    if (response.status === 401) session.forget();
    throw new ApiError(response.status, parsed);
  }
}

/** Every item of a paged list, following nextCursor, at most `maxPages` pages. */
export async function allPages(path, parameters = {}, { signal, maxPages = 50 } = {}) {
  const items = [];
  let cursor;
  for (let page = 0; page < maxPages; page += 1) {
    const answer = await api(path, { parameters: { ...parameters, cursor }, signal });
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (cursor === undefined || cursor === null) return { items, complete: true, last: answer };
  }
  return { items, complete: false };
}
