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
  parseApiKeyList,
} from './api-keys.js';

const WRITER_KEY = 'writer_key_0123456789';
const ADMIN_KEY = 'admin-key-abcdefghijkl';

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
      expect(() => parseApiKeyList(`superuser:${ADMIN_KEY}`)).toThrow(/entry 1 has unknown role "superuser"/);
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
      expect(file.credentials.map((credential) => credential.role)).toEqual(['writer', 'analyst', 'admin']);
      expect(file.warnings).toEqual([]);

      const written = readKeys(file.path);
      expect(written.keys.map((entry) => entry.role)).toEqual(['writer', 'analyst', 'admin']);
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
      expect(store.source).toEqual({ kind: 'file', path: path.join(tmp, API_KEY_HASHES_FILE_NAME), created: false });
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

    if (process.getuid?.() !== 0) {
      it('refuses an unreadable file with a one-line error', () => {
        const created = loadOrCreateApiKeysFile(tmp);
        fs.chmodSync(created.path, 0o000);
        expect(() => loadOrCreateApiKeysFile(tmp)).toThrow(/api-keys\.json: cannot read \(EACCES/);
      });
    }

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
      const opened = ApiKeyStore.open({ dataDir, apiKeys: [credentialFor('analyst', WRITER_KEY)] });
      expect(opened.source).toEqual({ kind: 'environment' });
      expect(opened.authenticate(WRITER_KEY)?.role).toBe('analyst');
      expect(fs.existsSync(dataDir)).toBe(false);
    });
  });
});
