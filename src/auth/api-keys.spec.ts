import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import {
  API_KEYS_FILE_NAME,
  ApiKeyListError,
  ApiKeyStore,
  apiKeyId,
  credentialFor,
  generateApiKey,
  isWellFormedApiKey,
  loadOrCreateApiKeysFile,
  API_KEY_HASHES_FILE_NAME,
  apiKeysFromEnvironment,
  parseApiKeyList,
} from './api-keys.js';

const WRITER_KEY = 'writer_key_0123456789';
const ADMIN_KEY = 'admin-key-abcdefghijkl';
const EDITOR_KEY = 'editor-key-mnopqrstuvwx';

interface KeyFile {
  keys: { role: string; key: string }[];
}

function readKeys(file: string): KeyFile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
}

describe('API keys', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'timeline-keys-'));
  });

  afterEach(() => {
    fs.chmodSync(tmp, 0o700);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('ids and generation', () => {
    it('derives a non-secret id from the role and the first 8 hex of the key hash', () => {
      const hash = createHash('sha256').update(WRITER_KEY).digest('hex');
      expect(apiKeyId('writer', WRITER_KEY)).toBe(`writer-${hash.slice(0, 8)}`);
      expect(credentialFor('writer', WRITER_KEY)).toEqual({ keyId: `writer-${hash.slice(0, 8)}`, role: 'writer', sha256: hash });
    });

    it('generates strong, well-formed, distinct keys', () => {
      const keys = new Set(Array.from({ length: 50 }, () => generateApiKey()));
      expect(keys.size).toBe(50);
      for (const key of keys) {
        expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(isWellFormedApiKey(key)).toBe(true);
      }
    });

    it('parses a list, allowing several keys per role', () => {
      const credentials = parseApiKeyList(` writer:${WRITER_KEY} ,admin:${ADMIN_KEY},writer:${ADMIN_KEY}x`);
      expect(credentials.map((credential) => credential.role)).toEqual(['writer', 'admin', 'writer']);
    });

    it('refuses a malformed list with an ApiKeyListError that quotes no key', () => {
      expect(() => parseApiKeyList(`writer:${WRITER_KEY},admin:${WRITER_KEY}`)).toThrow(
        new ApiKeyListError('entry 2 repeats the key of entry 1'),
      );
      expect(() => parseApiKeyList(`superuser:${ADMIN_KEY}`)).toThrow(
        /entry 1 has unknown role "superuser" \(expected one of writer, analyst, editor, admin\)/,
      );
    });

    it.each([
      ['a short key', `writer:short-key`],
      ['a key with other characters', `writer:${WRITER_KEY}!@#$`],
      ['a missing colon', WRITER_KEY],
      ['an empty entry', `writer:${WRITER_KEY},,admin:${ADMIN_KEY}`],
      ['a repeated key', `writer:${WRITER_KEY},admin:${WRITER_KEY}`],
      ['the key where the role belongs', `${WRITER_KEY}:writer`],
    ])('refuses TIMELINE_API_KEYS with %s, naming the variable and the entry, quoting no key', (_case, value) => {
      let error: unknown;
      try {
        apiKeysFromEnvironment(value);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ApiKeyListError);
      const message = (error as Error).message;
      expect(message).toMatch(/^TIMELINE_API_KEYS: entry \d/);
      for (const secret of [WRITER_KEY, ADMIN_KEY, 'short-key']) expect(message).not.toContain(secret);
      expect(message).not.toContain('\n');
    });

    it('takes editor keys', () => {
      expect(parseApiKeyList(`editor:${EDITOR_KEY}`)).toEqual([credentialFor('editor', EDITOR_KEY)]);
    });

    it('names TIMELINE_API_KEYS in every error about the environment list, in one line without a key', () => {
      expect(() => apiKeysFromEnvironment(`writer:${WRITER_KEY},admin:short`)).toThrow(
        new ApiKeyListError('TIMELINE_API_KEYS: entry 2 (admin): the key must be at least 16 characters of A-Z, a-z, 0-9, "_" or "-"'),
      );
      expect(() => apiKeysFromEnvironment(WRITER_KEY)).toThrow(/^TIMELINE_API_KEYS: entry 1 is not of the form role:key$/);
      expect(apiKeysFromEnvironment(`writer:${WRITER_KEY}`)).toEqual([credentialFor('writer', WRITER_KEY)]);
    });
  });

  describe('the key file', () => {
    it('generates one key per role on first start, mode 0600 in a new 0700 directory', () => {
      const dataDir = path.join(tmp, 'nested', 'data');
      const file = loadOrCreateApiKeysFile(dataDir);

      expect(file.created).toBe(true);
      expect(file.path).toBe(path.join(dataDir, API_KEYS_FILE_NAME));
      expect(fs.statSync(file.path).mode & 0o777).toBe(0o600);
      expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(file.credentials.map((credential) => credential.role)).toEqual(['writer', 'analyst', 'editor', 'admin']);
      expect(file.warnings).toEqual([]);
      expect(file.added).toEqual([]);

      const written = readKeys(file.path);
      expect(written.keys.map((entry) => entry.role)).toEqual(['writer', 'analyst', 'editor', 'admin']);
      for (const { key } of written.keys) {
        expect(isWellFormedApiKey(key)).toBe(true);
        expect(JSON.stringify(file)).not.toContain(key);
      }
      expect(fs.readdirSync(dataDir).sort()).toEqual([API_KEY_HASHES_FILE_NAME, API_KEYS_FILE_NAME]);
      const hashes = fs.readFileSync(path.join(dataDir, API_KEY_HASHES_FILE_NAME), 'utf8');
      expect(fs.statSync(path.join(dataDir, API_KEY_HASHES_FILE_NAME)).mode & 0o777).toBe(0o600);
      for (const { key } of written.keys) expect(hashes).not.toContain(key);
    });

    it('keeps working from the hashes once the operator deletes the key file', () => {
      const first = loadOrCreateApiKeysFile(tmp);
      const keys = readKeys(first.path).keys;
      fs.rmSync(first.path);
      const store = ApiKeyStore.open({ dataDir: tmp });
      for (const { role, key } of keys) expect(store.authenticate(key)?.role).toBe(role);
      expect(fs.existsSync(first.path)).toBe(false);
    });

    it('reads the same keys back on later starts', () => {
      const first = loadOrCreateApiKeysFile(tmp);
      const second = loadOrCreateApiKeysFile(tmp);
      expect(second.created).toBe(false);
      expect(second.credentials).toEqual(first.credentials);

      const store = ApiKeyStore.open({ dataDir: tmp });
      expect(store.source).toEqual({ kind: 'file', path: path.join(tmp, API_KEY_HASHES_FILE_NAME), created: false, added: [] });
      for (const { role, key } of readKeys(first.path).keys) {
        expect(store.authenticate(key)?.role).toBe(role);
      }
    });

    it('narrows a directory of its own that already exists to owner-only', () => {
      fs.chmodSync(tmp, 0o750);
      loadOrCreateApiKeysFile(tmp);
      expect(fs.statSync(tmp).mode & 0o777).toBe(0o700);
    });

    it('warns about a file readable by others', () => {
      const created = loadOrCreateApiKeysFile(tmp);
      fs.chmodSync(created.path, 0o644);
      const file = loadOrCreateApiKeysFile(tmp);
      expect(file.warnings).toEqual([expect.stringContaining('readable by others')]);
    });

    it.each([
      ['not JSON', '{"keys": [', /api-keys\.json: not valid JSON$/],
      ['without keys', '{"note": "x"}', /"keys" must be a non-empty list/],
      ['with an unknown role', `{"keys": [{"role": "root", "key": "${ADMIN_KEY}"}]}`, /keys\[0\] has unknown role "root"/],
      ['with a weak key', '{"keys": [{"role": "admin", "key": "admin"}]}', /keys\[0\] \(admin\): the key must be at least 16/],
      [
        'with a repeated key',
        `{"keys": [{"role": "admin", "key": "${ADMIN_KEY}"}, {"role": "writer", "key": "${ADMIN_KEY}"}]}`,
        /keys\[1\] repeats the key of keys\[0\]/,
      ],
    ])('refuses a file %s with a one-line error naming the file, quoting no key', (_case, content, message) => {
      const file = path.join(tmp, API_KEYS_FILE_NAME);
      fs.writeFileSync(file, content, { mode: 0o600 });
      let error: unknown;
      try {
        loadOrCreateApiKeysFile(tmp);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ApiKeyListError);
      const text = (error as Error).message;
      expect(text).toMatch(message);
      expect(text).toContain(file);
      expect(text).not.toContain(ADMIN_KEY);
      expect(text).not.toContain('\n');
    });

    // A directory where the file belongs cannot be read by root either (unlike a file of mode 000).
    it('refuses an unreadable key file with a one-line error', () => {
      fs.mkdirSync(path.join(tmp, API_KEYS_FILE_NAME));
      expect(() => loadOrCreateApiKeysFile(tmp)).toThrow(/api-keys\.json: cannot read \(EISDIR/);
    });

    it('refuses an unreadable hash file with a one-line error', () => {
      fs.mkdirSync(path.join(tmp, API_KEY_HASHES_FILE_NAME));
      expect(() => loadOrCreateApiKeysFile(tmp)).toThrow(/api-key-hashes\.json: cannot read \(EISDIR/);
    });

    if (process.getuid?.() !== 0) {
      it('refuses a key file without read permission with a one-line error', () => {
        const created = loadOrCreateApiKeysFile(tmp);
        fs.rmSync(path.join(tmp, API_KEY_HASHES_FILE_NAME));
        fs.chmodSync(path.join(tmp, API_KEYS_FILE_NAME), 0o000);
        expect(() => loadOrCreateApiKeysFile(tmp)).toThrow(/api-keys\.json: cannot read \(EACCES/);
        expect(created.created).toBe(true);
      });
    }

    describe('a data directory from before the editor role', () => {
      const OLD_KEYS = { writer: WRITER_KEY, analyst: 'analyst-key-0123456789ab', admin: ADMIN_KEY };

      /** What a server of three roles left behind: both files, the hash file naming no roles. */
      function oldDataDir(withKeyFile: boolean): void {
        const keys = Object.entries(OLD_KEYS).map(([role, key]) => ({ role, key }));
        if (withKeyFile) fs.writeFileSync(path.join(tmp, API_KEYS_FILE_NAME), JSON.stringify({ note: 'old', createdAt: '2024-01-01T00:00:00Z', keys }), { mode: 0o600 });
        const hashes = keys.map(({ role, key }) => {
          const { keyId, sha256 } = credentialFor(role as 'writer', key);
          return { role, keyId, sha256 };
        });
        fs.writeFileSync(path.join(tmp, API_KEY_HASHES_FILE_NAME), JSON.stringify({ note: 'old', keys: hashes }), { mode: 0o600 });
      }

      it('adds a key for the editor to the key file and its hash to the hash file, once', () => {
        oldDataDir(true);
        const file = loadOrCreateApiKeysFile(tmp);
        expect(file.added).toEqual(['editor']);
        const written = readKeys(path.join(tmp, API_KEYS_FILE_NAME)).keys;
        expect(written.map((entry) => entry.role)).toEqual(['writer', 'analyst', 'admin', 'editor']);
        expect(written.slice(0, 3).map((entry) => entry.key)).toEqual(Object.values(OLD_KEYS));
        expect(fs.statSync(path.join(tmp, API_KEYS_FILE_NAME)).mode & 0o777).toBe(0o600);
        const store = ApiKeyStore.open({ dataDir: tmp });
        for (const { role, key } of written) expect(store.authenticate(key)?.role).toBe(role);
        const again = loadOrCreateApiKeysFile(tmp);
        expect(again.added).toEqual([]);
        expect(again.credentials).toEqual(file.credentials);
        expect(fs.readdirSync(tmp).sort()).toEqual([API_KEY_HASHES_FILE_NAME, API_KEYS_FILE_NAME]);
      });

      it('writes a new key file holding only the editor key when the operator deleted the old one', () => {
        oldDataDir(false);
        expect(loadOrCreateApiKeysFile(tmp).added).toEqual(['editor']);
        const written = readKeys(path.join(tmp, API_KEYS_FILE_NAME)).keys;
        expect(written.map((entry) => entry.role)).toEqual(['editor']);
        const store = ApiKeyStore.open({ dataDir: tmp });
        expect(store.authenticate(written[0]!.key)?.role).toBe('editor');
        expect(store.authenticate(WRITER_KEY)?.role).toBe('writer');
      });

      it('takes the editor key a start left in the key file before it could write the hash', () => {
        oldDataDir(true);
        const file = path.join(tmp, API_KEYS_FILE_NAME);
        const content = readKeys(file);
        content.keys.push({ role: 'editor', key: EDITOR_KEY });
        fs.writeFileSync(file, JSON.stringify(content));
        loadOrCreateApiKeysFile(tmp);
        expect(readKeys(file).keys.filter((entry) => entry.role === 'editor')).toEqual([{ role: 'editor', key: EDITOR_KEY }]);
        expect(ApiKeyStore.open({ dataDir: tmp }).authenticate(EDITOR_KEY)?.role).toBe('editor');
      });

      it('does not bring back a key the operator removed from a hash file that names its roles', () => {
        loadOrCreateApiKeysFile(tmp);
        const hashPath = path.join(tmp, API_KEY_HASHES_FILE_NAME);
        const hashes = JSON.parse(fs.readFileSync(hashPath, 'utf8')) as { roles: string[]; keys: { role: string }[] };
        expect(hashes.roles).toEqual(['writer', 'analyst', 'editor', 'admin']);
        hashes.keys = hashes.keys.filter((entry) => entry.role !== 'editor');
        fs.writeFileSync(hashPath, JSON.stringify(hashes));
        const file = loadOrCreateApiKeysFile(tmp);
        expect(file.added).toEqual([]);
        expect(file.credentials.map((credential) => credential.role)).toEqual(['writer', 'analyst', 'admin']);
      });

      it('refuses to start while another process holds the lock, naming the lock file', () => {
        oldDataDir(true);
        fs.writeFileSync(path.join(tmp, '.api-keys.lock'), '');
        expect(() => loadOrCreateApiKeysFile(tmp)).toThrow(/\.api-keys\.lock: another process is adding API keys/);
        expect(readKeys(path.join(tmp, API_KEYS_FILE_NAME)).keys).toHaveLength(3);
      });
    });

    it('refuses a data directory that is a file', () => {
      const notADir = path.join(tmp, 'file');
      fs.writeFileSync(notADir, '');
      expect(() => loadOrCreateApiKeysFile(notADir)).toThrow(`TIMELINE_DATA_DIR (${notADir}): is not a directory`);
    });
  });

  describe('ApiKeyStore', () => {
    const store = new ApiKeyStore([credentialFor('writer', WRITER_KEY), credentialFor('admin', ADMIN_KEY)]);

    it('finds the principal of a known key', () => {
      expect(store.authenticate(WRITER_KEY)).toEqual({ keyId: apiKeyId('writer', WRITER_KEY), role: 'writer' });
      expect(store.authenticate(ADMIN_KEY)).toEqual({ keyId: apiKeyId('admin', ADMIN_KEY), role: 'admin' });
    });

    it('refuses unknown keys of any length, including prefixes and extensions of known ones', () => {
      for (const candidate of ['', 'x', WRITER_KEY.slice(0, -1), `${WRITER_KEY}x`, WRITER_KEY.toUpperCase(), 'a'.repeat(10_000)]) {
        expect(store.authenticate(candidate)).toBeUndefined();
      }
    });

    it('holds only hashes', () => {
      const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');
      const entries = (store as unknown as { entries: { hash: Buffer }[] }).entries;
      expect(entries.map((entry) => entry.hash.toString('hex'))).toEqual([sha256(WRITER_KEY), sha256(ADMIN_KEY)]);
      expect(inspect(store, { depth: 10 })).not.toContain(WRITER_KEY);
    });

    it('uses the environment keys when configured, without touching the data directory', () => {
      const dataDir = path.join(tmp, 'never-created');
      const opened = ApiKeyStore.open({ dataDir, apiKeyList: `analyst:${WRITER_KEY},editor:${EDITOR_KEY}` });
      expect(opened.source).toEqual({ kind: 'environment' });
      expect(opened.authenticate(WRITER_KEY)?.role).toBe('analyst');
      expect(opened.authenticate(EDITOR_KEY)?.role).toBe('editor');
      expect(fs.existsSync(dataDir)).toBe(false);
    });

    it('refuses a malformed environment list, naming the variable', () => {
      expect(() => ApiKeyStore.open({ dataDir: tmp, apiKeyList: `reader:${WRITER_KEY}` })).toThrow(/^TIMELINE_API_KEYS: entry 1 has unknown role "reader"/);
    });
  });
});
