module.exports = {
  displayName: 'coral-clients',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/coral-clients',
  // One PostgreSQL server and migrated template per run; the test file clones its own database.
  globalSetup: '<rootDir>/../../tools/test-env/src/jest/postgres-global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/test-env/src/jest/postgres-global-teardown.ts',
  testTimeout: 60_000,
};
