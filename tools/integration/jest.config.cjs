module.exports = {
  displayName: 'integration',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/integration',
  // One topology per run; its scenarios run in order in one file.
  testTimeout: 120_000,
};
