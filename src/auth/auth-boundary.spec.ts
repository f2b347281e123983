import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Auth decides who may do what and says why in its own typed refusal; the HTTP layer maps that
// to answers, so auth imports nothing of it (src/http may import src/auth, never the reverse).
const here = dirname(fileURLToPath(import.meta.url));
const sources = readdirSync(here).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));

describe('auth boundary', () => {
  it.each(sources)('%s imports nothing from src/http', (file) => {
    const imports = [...readFileSync(join(here, file), 'utf8').matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
    expect(imports.filter((target) => /(^|\/)http\//.test(target))).toEqual([]);
  });

  it('checks every source file of auth', () => {
    expect(sources).toEqual(expect.arrayContaining(['api-key.guard.ts', 'api-keys.ts', 'auth.module.ts', 'auth-refusal.ts']));
  });
});
