import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// A package is used through its entry points only: a file inside it (`class-transformer/cjs/storage.js`)
// is its own business, and moves or changes shape in any release without a word.
const srcRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [join(dir, entry.name)] : [],
  );
}

/** A bare specifier that goes past the package name: `pkg/file`, `@scope/pkg/file`. */
function isDeepPackagePath(specifier: string): boolean {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return false;
  return specifier.split('/').length > (specifier.startsWith('@') ? 2 : 1);
}

describe('package imports', () => {
  const files = sourceFiles(srcRoot);

  it.each(files.map((file) => [relative(srcRoot, file), file]))('%s imports packages by their entry points only', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|declare module\s+|import\s+)'([^']+)'/g)].map((m) => m[1]!);
    expect(specifiers.filter(isDeepPackagePath)).toEqual([]);
  });

  it('looks at every source file', () => {
    expect(files.map((file) => relative(srcRoot, file))).toEqual(expect.arrayContaining(['main.ts', join('http', 'compiled-transform.ts')]));
  });
});
