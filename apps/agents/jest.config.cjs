module.exports = {
  displayName: 'agents',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/apps/agents',
  // One PostgreSQL server and migrated template per run, for the real-gateway integration test.
  globalSetup: '<rootDir>/../../tools/test-env/src/jest/postgres-global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/test-env/src/jest/postgres-global-teardown.ts',
};
