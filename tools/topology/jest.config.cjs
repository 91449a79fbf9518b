module.exports = {
  displayName: 'topology',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/topology',
};
