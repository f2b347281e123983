import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Configuration reads the environment and nothing else of the app: auth parses and checks the keys.
const here = dirname(fileURLToPath(import.meta.url));
const sources = readdirSync(here).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));

describe('config boundary', () => {
  it.each(sources)('%s imports nothing from another module of the app', (file) => {
    const imports = [...readFileSync(join(here, file), 'utf8').matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
    expect(imports.filter((target) => target.startsWith('../'))).toEqual([]);
  });

  it('checks every source file of the configuration', () => {
    expect(sources).toEqual(expect.arrayContaining(['app-config.ts', 'config.module.ts', 'data-dir.ts']));
  });
});
