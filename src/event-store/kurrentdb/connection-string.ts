/*
 * The client (1.x) still parses `esdb://` but prints a deprecation warning on every connection,
 * straight to the console, and hands the string to its native bridge as well. Rewriting the
 * scheme keeps start-up output to our own log lines and gives both halves of the client the
 * scheme they document. Everything after the scheme is passed through untouched.
 */
const SCHEME_REWRITES: readonly (readonly [string, string])[] = [
  ['esdb+discover://', 'kurrentdb+discover://'],
  ['esdb://', 'kurrentdb://'],
];

/** `esdb://…` → `kurrentdb://…` (also `+discover`); other schemes unchanged. Trims whitespace. */
export function normalizeConnectionString(raw: string): string {
  const trimmed = raw.trim();
  const lower = trimmed.toLowerCase();
  for (const [from, to] of SCHEME_REWRITES) {
    if (lower.startsWith(from)) return `${to}${trimmed.slice(from.length)}`;
  }
  return trimmed;
}

/**
 * The hosts a connection string names, for messages: `127.0.0.1:2113` or
 * `node1:2113,node2:2113`. Never the credentials or the query string, which may hold secrets.
 */
export function describeConnectionTarget(raw: string): string {
  const afterScheme = raw.trim().replace(/^[a-z+]+:\/\//i, '');
  const authority = afterScheme.split(/[?/]/, 1)[0] ?? '';
  const at = authority.lastIndexOf('@');
  const hosts = at === -1 ? authority : authority.slice(at + 1);
  return hosts === '' ? '(no host)' : hosts;
}
