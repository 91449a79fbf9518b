module.exports = {
  displayName: 'start',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/start',
  testTimeout: 60_000,
};
