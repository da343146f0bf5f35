/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/connectors/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 20000,
  // Test files run in a worker that is replaced once it holds more than this after a file: run in
  // one process, memory kept by finished files grew past 2 GB and once (a timed-out test's work
  // still running) past Node's heap limit, ending the run.
  workerIdleMemoryLimit: '1GB',
  // nock 14 keeps its interceptor on the global scope between files; Jest's soft cleanup warns about it.
  testEnvironmentOptions: { globalsCleanup: 'off' },
};
