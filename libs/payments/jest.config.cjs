module.exports = {
  displayName: 'payments',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/libs/payments',
  // One PostgreSQL server and migrated template per run; each test file clones its own database.
  globalSetup: '<rootDir>/../../tools/test-env/src/jest/postgres-global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/test-env/src/jest/postgres-global-teardown.ts',
  testTimeout: 60_000,
};
