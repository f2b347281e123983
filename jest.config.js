/** Jest runs in ESM mode (NestJS 12 is ESM-only); @swc/jest strips types and emits decorator metadata. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/openapi-answers.setup.ts',
  globalTeardown: '<rootDir>/test/openapi-answers.teardown.ts',
};
