import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureDataDir } from '../config/data-dir.js';
import type { Principal } from './principal.js';
import { isRole, ROLES, type Role } from './role.js';

export const API_KEYS_FILE_NAME = 'api-keys.json';
/** What the server itself reads: the generated keys' sha256 hashes, never the keys. */
export const API_KEY_HASHES_FILE_NAME = 'api-key-hashes.json';

const API_KEY_PATTERN = /^[A-Za-z0-9_-]{16,}$/;
const API_KEY_RULE = 'must be at least 16 characters of A-Z, a-z, 0-9, "_" or "-"';
/**
 * A valid key is at least 16 characters long, so a "role" shorter than that cannot be a
 * key pasted in the wrong place, and is safe to quote back in an error message.
 */
const MAX_QUOTABLE_ROLE_LENGTH = 15;
const GENERATED_KEY_BYTES = 32;

/** A key as the server holds it: its role, a non-secret id, and the sha256 of the secret. */
export interface ApiKeyCredential {
  /** `<role>-<first 8 hex of sha256(key)>`: safe to log and to record as `recordedBy`. */
  readonly keyId: string;
  readonly role: Role;
  /** sha256 of the key, hex. The key itself is never kept. */
  readonly sha256: string;
}

/** A key list or key file that cannot be used. The message never contains a key. */
export class ApiKeyListError extends Error {
  override readonly name = 'ApiKeyListError';
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function isWellFormedApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}

export function apiKeyId(role: Role, key: string): string {
  return `${role}-${hashApiKey(key).toString('hex').slice(0, 8)}`;
}

export function credentialFor(role: Role, key: string): ApiKeyCredential {
  const sha256 = hashApiKey(key).toString('hex');
  return Object.freeze({ keyId: `${role}-${sha256.slice(0, 8)}`, role, sha256 });
}

/** A strong random key: 32 bytes from the CSPRNG, base64url (43 characters). */
export function generateApiKey(): string {
  return randomBytes(GENERATED_KEY_BYTES).toString('base64url');
}

function describeRole(role: string): string {
  return role.length <= MAX_QUOTABLE_ROLE_LENGTH ? `unknown role ${JSON.stringify(role)}` : 'an unknown role';
}

function checkUnique(credentials: readonly ApiKeyCredential[], label: (index: number) => string): void {
  const seen = new Map<string, number>();
  credentials.forEach((credential, index) => {
    const first = seen.get(credential.sha256);
    if (first !== undefined) {
      throw new ApiKeyListError(`${label(index)} repeats the key of ${label(first)}`);
    }
    seen.set(credential.sha256, index);
  });
}

/**
 * Parses `role:key,role:key`. A role may have several keys (for rotation); a key may not
 * be listed twice. Errors name the entry (1-based) and never quote a key.
 */
export function parseApiKeyList(text: string): ApiKeyCredential[] {
  const entries = text.split(',').map((entry) => entry.trim());
  const label = (index: number) => `entry ${index + 1}`;
  const credentials = entries.map((entry, index) => {
    if (entry === '') {
      throw new ApiKeyListError(`${label(index)} is empty`);
    }
    const colon = entry.indexOf(':');
    if (colon < 0) {
      throw new ApiKeyListError(`${label(index)} is not of the form role:key`);
    }
    const role = entry.slice(0, colon).trim();
    const key = entry.slice(colon + 1).trim();
    if (!isRole(role)) {
      throw new ApiKeyListError(`${label(index)} has ${describeRole(role)} (expected one of ${ROLES.join(', ')})`);
    }
    if (!isWellFormedApiKey(key)) {
      throw new ApiKeyListError(`${label(index)} (${role}): the key ${API_KEY_RULE}`);
    }
    return credentialFor(role, key);
  });
  checkUnique(credentials, label);
  return credentials;
}

/** The environment variable that lists the keys instead of the data directory's files. */
export const API_KEYS_VARIABLE = 'TIMELINE_API_KEYS';

/**
 * The keys of TIMELINE_API_KEYS as the server holds them. Errors are one line that names the
 * variable and the entry, never a key. The configuration has already refused a blank value.
 */
export function apiKeysFromEnvironment(list: string): readonly ApiKeyCredential[] {
  try {
    return Object.freeze(parseApiKeyList(list));
  } catch (error) {
    if (error instanceof ApiKeyListError) throw new ApiKeyListError(`${API_KEYS_VARIABLE}: ${error.message}`);
    throw error;
  }
}

export interface ApiKeysFile {
  /** Absolute path of `api-keys.json`. Log this, never the keys. */
  readonly path: string;
  /** True when this start generated the file. */
  readonly created: boolean;
  readonly credentials: readonly ApiKeyCredential[];
  /** Non-fatal problems worth a log line, e.g. a file readable by others. */
  readonly warnings: readonly string[];
  /** Roles this start added a key for to a data directory made before those roles existed. */
  readonly added: readonly Role[];
}

interface KeyFileContent {
  readonly note: string;
  readonly createdAt: string;
  readonly keys: readonly { readonly role: Role; readonly key: string }[];
}

function errnoText(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.split(',')[0]}` : String(err.message ?? err);
}

function parseKeyFile(filePath: string, text: string): ApiKeyCredential[] {
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch {
    throw new ApiKeyListError(`${filePath}: not valid JSON`);
  }
  const keys = (content as Partial<KeyFileContent> | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ApiKeyListError(`${filePath}: "keys" must be a non-empty list of {"role", "key"}`);
  }
  const label = (index: number) => `keys[${index}]`;
  const credentials = keys.map((entry: unknown, index) => {
    const { role, key } = (entry ?? {}) as { role?: unknown; key?: unknown };
    if (typeof role !== 'string' || !isRole(role)) {
      const shown = typeof role === 'string' ? describeRole(role) : 'no role';
      throw new ApiKeyListError(`${filePath}: ${label(index)} has ${shown} (expected one of ${ROLES.join(', ')})`);
    }
    if (typeof key !== 'string' || !isWellFormedApiKey(key)) {
      throw new ApiKeyListError(`${filePath}: ${label(index)} (${role}): the key ${API_KEY_RULE}`);
    }
    return credentialFor(role, key);
  });
  try {
    checkUnique(credentials, label);
  } catch (error) {
    throw new ApiKeyListError(`${filePath}: ${(error as Error).message}`);
  }
  return credentials;
}

function readKeyFile(filePath: string, created: boolean): ApiKeysFile {
  let text: string;
  let mode: number;
  try {
    text = fs.readFileSync(filePath, 'utf8');
    mode = fs.statSync(filePath).mode & 0o777;
  } catch (error) {
    throw new ApiKeyListError(`${filePath}: cannot read (${errnoText(error)})`);
  }
  const warnings =
    (mode & 0o077) !== 0
      ? [`${filePath} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`]
      : [];
  return { path: filePath, created, credentials: parseKeyFile(filePath, text), warnings, added: [] };
}

/**
 * Writes the file under a temporary name and links it into place: the link fails if the
 * file exists, so two servers starting together on an empty data directory cannot
 * overwrite each other's keys, and a crash mid-write never leaves a half-written file.
 * Returns false when another process created the file first.
 */
function writeKeyFileOnce(filePath: string, content: string): boolean {
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${API_KEYS_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      // The mode given to open() is masked by the umask; set it exactly.
      fs.fchmodSync(fd, 0o600);
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, filePath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        return false;
      }
      // Some file systems have no hard links; a rename is still atomic, only not exclusive.
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        fs.renameSync(tmp, filePath);
      } else {
        throw error;
      }
    }
  } catch (error) {
    throw new ApiKeyListError(`${filePath}: cannot write (${errnoText(error)})`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  syncDirectory(dir);
  return true;
}

function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a directory; the file itself is already durable.
  }
}

interface HashFileContent {
  readonly note: string;
  /**
   * The roles the server had when it generated the keys. A later version that knows more
   * roles adds a key for each of those (and only those): a key the operator removed from
   * this file by hand stays removed.
   */
  readonly roles?: readonly Role[];
  readonly keys: readonly { readonly role: Role; readonly keyId: string; readonly sha256: string }[];
}

/** The roles of a hash file written before the file named its roles. */
const ROLES_OF_UNNAMED_HASH_FILES: readonly Role[] = ['writer', 'analyst', 'admin'];

interface HashFile {
  readonly roles: readonly Role[];
  readonly credentials: readonly ApiKeyCredential[];
}

function hashFileContent(credentials: readonly ApiKeyCredential[]): string {
  const content: HashFileContent = {
    note:
      'sha256 hashes of the API keys this server accepts. The keys themselves are in api-keys.json until you ' +
      'move them to your secret store and delete that file: the server needs only this one.',
    roles: ROLES,
    keys: credentials.map(({ role, keyId, sha256 }) => ({ role, keyId, sha256 })),
  };
  return `${JSON.stringify(content, null, 2)}\n`;
}

function readHashFile(filePath: string): HashFile {
  let content: Partial<HashFileContent> | null;
  try {
    content = JSON.parse(fs.readFileSync(filePath, 'utf8')) as Partial<HashFileContent> | null;
  } catch (error) {
    throw new ApiKeyListError(`${filePath}: cannot read (${error instanceof SyntaxError ? 'not valid JSON' : errnoText(error)})`);
  }
  const keys = content?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ApiKeyListError(`${filePath}: "keys" must be a non-empty list of {"role", "keyId", "sha256"}`);
  }
  const roles = content?.roles ?? ROLES_OF_UNNAMED_HASH_FILES;
  if (!Array.isArray(roles) || !roles.every((role: unknown) => typeof role === 'string' && isRole(role))) {
    throw new ApiKeyListError(`${filePath}: "roles" must list known roles (${ROLES.join(', ')})`);
  }
  const credentials = keys.map((entry, index) => {
    const { role, sha256 } = (entry ?? {}) as { role?: unknown; sha256?: unknown };
    if (typeof role !== 'string' || !isRole(role) || typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new ApiKeyListError(`${filePath}: keys[${index}] needs a known role and a 64-hex-digit sha256`);
    }
    return Object.freeze({ keyId: `${role}-${sha256.slice(0, 8)}`, role, sha256 });
  });
  return { roles, credentials };
}

const KEY_FILE_NOTE =
  'Generated by incident-timeline. Send a key as "Authorization: Bearer <key>". Keep this file secret; better, ' +
  'move the keys to your secret store and delete it (the server keeps only their hashes).';

/** Replaces `filePath` whole: written under a temporary name, synced, renamed over it. */
function replaceFile(filePath: string, content: string): void {
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.fchmodSync(fd, 0o600);
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, filePath);
  } catch (error) {
    throw new ApiKeyListError(`${filePath}: cannot write (${errnoText(error)})`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  syncDirectory(dir);
}

/** The `{role, key}` entries of `api-keys.json`, or none when the operator has deleted it. */
function readKeyEntries(filePath: string): { role: Role; key: string }[] {
  if (!fs.existsSync(filePath)) return [];
  readKeyFile(filePath, false);
  const { keys } = JSON.parse(fs.readFileSync(filePath, 'utf8')) as KeyFileContent;
  return keys.map(({ role, key }) => ({ role, key }));
}

/**
 * Gives a data directory made before some roles existed one key for each new role: written to
 * `api-keys.json` for the operator to collect (added to the file, or in a new one if it was
 * deleted), and its hash added to the hash file. A key already in `api-keys.json` for such a
 * role (a start that stopped between the two writes) is taken instead of a new one. A lock
 * file keeps two servers starting together from each adding a different key.
 */
function addKeysForNewRoles(dataDir: string, hashPath: string, filePath: string): { file: HashFile; added: Role[] } {
  const lockPath = path.join(dataDir, '.api-keys.lock');
  let lock: number;
  try {
    lock = fs.openSync(lockPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ApiKeyListError(`${lockPath}: another process is adding API keys to this data directory (delete this file if none is)`);
    }
    throw new ApiKeyListError(`${lockPath}: cannot create (${errnoText(error)})`);
  }
  try {
    const current = readHashFile(hashPath);
    const newRoles = ROLES.filter((role) => !current.roles.includes(role));
    if (newRoles.length === 0) return { file: current, added: [] };
    const entries = readKeyEntries(filePath);
    const hashed = new Set(current.credentials.map((credential) => credential.sha256));
    const added = newRoles.map(
      (role) =>
        entries.find((entry) => entry.role === role && !hashed.has(credentialFor(role, entry.key).sha256)) ?? {
          role,
          key: generateApiKey(),
        },
    );
    const fresh = added.filter((entry) => !entries.includes(entry));
    if (fresh.length > 0) {
      const content: KeyFileContent = { note: KEY_FILE_NOTE, createdAt: new Date().toISOString(), keys: [...entries, ...fresh] };
      replaceFile(filePath, `${JSON.stringify(content, null, 2)}\n`);
    }
    replaceFile(hashPath, hashFileContent([...current.credentials, ...added.map(({ role, key }) => credentialFor(role, key))]));
    return { file: readHashFile(hashPath), added: newRoles };
  } finally {
    fs.closeSync(lock);
    fs.rmSync(lockPath, { force: true });
  }
}

/**
 * The keys of the data directory. On first start one key per role is generated and written
 * to `api-keys.json` (mode 0600) for the operator to collect, and their hashes to
 * `api-key-hashes.json`, which is all the server reads from then on: once the operator has
 * moved the keys to a secret store and deleted `api-keys.json`, no key is left on disk.
 * A data directory with only `api-keys.json` (written by hand, or a crash between the two
 * writes) gets its hash file derived from it. A data directory made before a role existed
 * gets a key for that role (see `addKeysForNewRoles`).
 */
export function loadOrCreateApiKeysFile(dataDir: string): ApiKeysFile {
  ensureDataDir(dataDir);
  const filePath = path.join(dataDir, API_KEYS_FILE_NAME);
  const hashPath = path.join(dataDir, API_KEY_HASHES_FILE_NAME);
  if (fs.existsSync(hashPath)) {
    let file = readHashFile(hashPath);
    let added: Role[] = [];
    if (ROLES.some((role) => !file.roles.includes(role))) ({ file, added } = addKeysForNewRoles(dataDir, hashPath, filePath));
    const warnings = fs.existsSync(filePath) ? readKeyFile(filePath, false).warnings : [];
    return { path: hashPath, created: false, credentials: file.credentials, warnings, added };
  }
  let created = false;
  if (!fs.existsSync(filePath)) {
    const content: KeyFileContent = {
      note: KEY_FILE_NOTE,
      createdAt: new Date().toISOString(),
      keys: ROLES.map((role) => ({ role, key: generateApiKey() })),
    };
    created = writeKeyFileOnce(filePath, `${JSON.stringify(content, null, 2)}\n`);
  }
  const keys = readKeyFile(filePath, created);
  writeKeyFileOnce(hashPath, hashFileContent(keys.credentials));
  return { ...keys, credentials: readHashFile(hashPath).credentials };
}

export type ApiKeySource =
  | { readonly kind: 'environment' }
  | { readonly kind: 'file'; readonly path: string; readonly created: boolean; readonly added: readonly Role[] };

/**
 * The keys the server accepts, held only as sha256 hashes. Lookups hash the presented key
 * and compare it with every known hash in constant time, so neither the time taken nor an
 * early exit tells an attacker how much of a key was right, or which key it resembled.
 */
export class ApiKeyStore {
  private readonly entries: readonly { readonly principal: Principal; readonly hash: Buffer }[];

  constructor(
    credentials: readonly ApiKeyCredential[],
    readonly source: ApiKeySource = { kind: 'environment' },
    readonly warnings: readonly string[] = [],
  ) {
    this.entries = credentials.map((credential) => ({
      principal: Object.freeze({ keyId: credential.keyId, role: credential.role }),
      hash: Buffer.from(credential.sha256, 'hex'),
    }));
  }

  /** The keys of TIMELINE_API_KEYS if it is set, else the key files of the data directory. */
  static open(config: { readonly apiKeyList?: string; readonly dataDir: string }): ApiKeyStore {
    if (config.apiKeyList !== undefined) {
      return new ApiKeyStore(apiKeysFromEnvironment(config.apiKeyList), { kind: 'environment' });
    }
    const file = loadOrCreateApiKeysFile(config.dataDir);
    return new ApiKeyStore(file.credentials, { kind: 'file', path: file.path, created: file.created, added: file.added }, file.warnings);
  }

  get size(): number {
    return this.entries.length;
  }

  authenticate(presentedKey: string): Principal | undefined {
    const presented = hashApiKey(presentedKey);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      // The comparison runs for every entry, also after a match.
      if (timingSafeEqual(presented, entry.hash) && found === undefined) {
        found = entry.principal;
      }
    }
    return found;
  }
}
