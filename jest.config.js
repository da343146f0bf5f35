/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/connectors/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 20000,
  // nock 14 keeps its interceptor on the global scope between files; Jest's soft cleanup warns about it.
  testEnvironmentOptions: { globalsCleanup: 'off' },
};
