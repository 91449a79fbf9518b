module.exports = {
  displayName: 'cron-worker',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/apps/cron-worker',
  // One PostgreSQL server and migrated template per run; each test file clones its own database.
  // The metrics suite starts the AWS emulator itself (only it needs one).
  globalSetup: '<rootDir>/../../tools/test-env/src/jest/postgres-global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/test-env/src/jest/postgres-global-teardown.ts',
  testTimeout: 90_000,
};
