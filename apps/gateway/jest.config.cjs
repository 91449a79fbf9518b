module.exports = {
  displayName: 'gateway',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/apps/gateway',
  // One PostgreSQL server and migrated template per run; each test file clones its own database.
  globalSetup: '<rootDir>/../../tools/test-env/src/jest/postgres-global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/test-env/src/jest/postgres-global-teardown.ts',
  testTimeout: 30_000,
};
