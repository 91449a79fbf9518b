module.exports = {
  displayName: 'test-env',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/test-env',
};
