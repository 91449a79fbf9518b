module.exports = {
  displayName: 'infra',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/apps/infra',
  // One AWS emulator for the run (AWS_ENDPOINT_URL if set, else a container, else moto_server).
  globalSetup: '<rootDir>/../../tools/test-env/src/jest/aws-global-setup.ts',
  globalTeardown: '<rootDir>/../../tools/test-env/src/jest/aws-global-teardown.ts',
};
