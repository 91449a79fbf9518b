module.exports = {
  displayName: 'coral',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/libs/coral',
};
