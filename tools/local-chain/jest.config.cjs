module.exports = {
  displayName: 'local-chain',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/local-chain',
};
