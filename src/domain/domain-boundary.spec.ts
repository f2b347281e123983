import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The domain core stays pure: no framework, no store client, no I/O, no clock, no randomness.
const here = dirname(fileURLToPath(import.meta.url));
const sources = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));

describe('domain boundary', () => {
  it.each(sources)('%s imports only the domain itself', (file) => {
    const text = readFileSync(join(here, file), 'utf8');
    const imports = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
    expect(imports.filter((i) => !i!.startsWith('./'))).toEqual([]);
  });

  it.each(sources)('%s reads no clock and draws no random ids', (file) => {
    const text = readFileSync(join(here, file), 'utf8');
    expect(text).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random\(|randomUUID|process\./);
  });

  it('checks every source file of the domain', () => {
    expect(sources).toEqual(expect.arrayContaining(['neighbourhood.decider.ts', 'neighbourhood.state.ts', 'actor.ts']));
  });
});
