module.exports = {
  displayName: 'loadtest',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/loadtest',
};
