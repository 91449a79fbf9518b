module.exports = {
  displayName: 'pooling',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/libs/pooling',
};
