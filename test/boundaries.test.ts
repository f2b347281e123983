import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The boundaries of src/ (`.dependency-cruiser.cjs`, docs/architecture.md), checked by
 * dependency-cruiser: the real tree breaks none of them, and a planted tree
 * (test/fixtures/boundaries/) breaks each exactly where it was planted.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const PLANTED = join(ROOT, 'test', 'fixtures', 'boundaries');

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

interface CruiseResult {
  readonly summary: { readonly violations: readonly Violation[]; readonly totalCruised: number };
}

function cruise(cwd: string): CruiseResult {
  const output = execFileSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(output) as CruiseResult;
}

const ruleNames = (createRequire(import.meta.url)(CONFIG) as { forbidden: { name: string }[] }).forbidden.map((rule) => rule.name);

describe('the boundaries of src/', () => {
  it('are kept by every module of src/', () => {
    const result = cruise(ROOT);
    expect(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
    // It looked at the tree, not at an empty selection.
    expect(result.summary.totalCruised).toBeGreaterThan(150);
  }, 120_000);

  it('are each found broken where a violation is planted, and nowhere else', () => {
    const found = cruise(PLANTED)
      .summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)
      .sort();
    expect(found).toEqual(
      [
        'adapters-only-through-wiring: src/application/imports-adapter.ts -> src/event-store/sqlite/store.ts',
        'application-serves-features: src/application/imports-feature.ts -> src/features/use-case/route.ts',
        'auth-knows-no-http: src/auth/imports-http.ts -> src/http/answers.ts',
        'config-is-read-not-enforced: src/config/imports-auth.ts -> src/auth/keys.ts',
        'domain-is-pure: src/domain/imports-application.ts -> src/application/pipeline.ts',
        'features-raise-their-own-errors: src/features/use-case/imports-http-exception.ts -> src/http/api-http-exception.ts',
        'no-cycles-between-folders: src/copy-events -> src/logging',
        'no-cycles-between-folders: src/logging -> src/copy-events',
        'no-cycles-between-modules: src/health/cycle-a.ts -> src/health/cycle-b.ts',
        'read-side-knows-no-features: src/projections/imports-feature.ts -> src/features/use-case/route.ts',
        'read-side-knows-no-http: src/projections/imports-http.ts -> src/http/answers.ts',
      ].sort(),
    );
    // Every rule of the configuration has its planted violation.
    expect([...new Set(found.map((line) => line.split(':')[0]))].sort()).toEqual([...ruleNames].sort());
  }, 120_000);
});
