import { resolve } from 'node:path';
import { type EventStoreAddress, describeKurrentDbTarget } from '../event-store/open-event-store.js';

/** Where copy-events reads or writes: the embedded store of a data directory, or a KurrentDB server. */
export type StoreAddress = EventStoreAddress;

/** The text cannot name a store; the message says what would. */
export class StoreAddressError extends Error {
  override readonly name = 'StoreAddressError';
}

const KURRENTDB_SCHEMES = ['kurrentdb://', 'kurrentdb+discover://', 'esdb://', 'esdb+discover://'];

/** `sqlite:<data dir>` (relative to `cwd`), or a `kurrentdb://…` / `esdb://…` connection string. */
export function parseStoreAddress(raw: string, cwd: string = process.cwd()): StoreAddress {
  const text = raw.trim();
  if (text.toLowerCase().startsWith('sqlite:')) {
    const dir = text.slice('sqlite:'.length);
    if (dir === '') throw new StoreAddressError('sqlite: needs a data directory, e.g. sqlite:./data');
    return { kind: 'sqlite', dataDir: resolve(cwd, dir) };
  }
  const scheme = KURRENTDB_SCHEMES.find((prefix) => text.toLowerCase().startsWith(prefix));
  if (scheme !== undefined && text.length > scheme.length) return { kind: 'kurrentdb', connectionString: text };
  // Not quoted back: a mistyped connection string may still carry a password.
  throw new StoreAddressError('a store is sqlite:<data dir>, or a kurrentdb://host:port (or esdb://host:port) connection string');
}

/** For messages: the data directory, or the KurrentDB hosts without credentials. */
export function describeStoreAddress(address: StoreAddress): string {
  return address.kind === 'sqlite' ? `sqlite:${address.dataDir}` : `kurrentdb at ${describeKurrentDbTarget(address.connectionString)}`;
}

/** Copying a store onto itself would verify trivially and copy nothing; it is always a mistake. */
export function isSameStore(left: StoreAddress, right: StoreAddress): boolean {
  if (left.kind === 'sqlite' && right.kind === 'sqlite') return left.dataDir === right.dataDir;
  if (left.kind === 'kurrentdb' && right.kind === 'kurrentdb') {
    return describeKurrentDbTarget(left.connectionString) === describeKurrentDbTarget(right.connectionString);
  }
  return false;
}
