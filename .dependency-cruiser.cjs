/**
 * The boundaries of src/, checked in `npm test` by test/boundaries.test.ts (and by hand with
 * `npm run lint:boundaries`). docs/architecture.md explains the parts and why each arrow is
 * forbidden.
 */
const DOMAIN = '^src/domain/';
const APPLICATION = '^src/application/';
const READ_SIDE = '^src/projections/';
const FEATURES = '^src/features/';
const HTTP = '^src/http/';
const AUTH = '^src/auth/';
const CONFIG = '^src/config/';
const ADAPTERS = '^src/event-store/(sqlite|kurrentdb)/';
/** The one place that picks and opens an adapter; an adapter's own files import each other. */
const WIRING = '^src/event-store/(open-event-store\\.ts|sqlite/|kurrentdb/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain core imports nothing outside itself: no framework, no store client, no node: I/O, no clock.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { pathNot: DOMAIN },
    },
    {
      name: 'adapters-only-through-wiring',
      comment: 'Only src/event-store/open-event-store.ts picks an adapter; everything else asks the port.',
      severity: 'error',
      from: { path: '^src/', pathNot: WIRING },
      to: { path: ADAPTERS },
    },
    {
      name: 'read-side-knows-no-features',
      comment: 'The projection engine knows no routes and no read model of its own: features give it their declarations.',
      severity: 'error',
      from: { path: READ_SIDE },
      to: { path: FEATURES },
    },
    {
      name: 'read-side-knows-no-http',
      comment: 'Read models know no HTTP: errors become HTTP answers only in src/http.',
      severity: 'error',
      from: { path: READ_SIDE },
      to: { path: HTTP },
    },
    {
      name: 'application-serves-features',
      comment: 'The command pipeline knows neither the features it serves nor HTTP.',
      severity: 'error',
      from: { path: APPLICATION },
      to: { path: [FEATURES, HTTP] },
    },
    {
      name: 'features-raise-their-own-errors',
      comment: 'Features raise domain and application errors; only src/http turns them into HTTP answers (features may ask it how).',
      severity: 'error',
      from: { path: FEATURES },
      to: { path: `${HTTP}api-http-exception\\.ts$` },
    },
    {
      name: 'auth-knows-no-http',
      comment: 'One direction between auth and http: http maps auth refusals to answers.',
      severity: 'error',
      from: { path: AUTH },
      to: { path: HTTP },
    },
    {
      name: 'config-is-read-not-enforced',
      comment: 'Configuration reads the environment; auth parses and enforces keys.',
      severity: 'error',
      from: { path: CONFIG },
      to: { path: AUTH },
    },
    {
      name: 'no-cycles-between-folders',
      comment: 'Folders depend on each other in one direction only.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-cycles-between-modules',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.(spec|fixture)\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
