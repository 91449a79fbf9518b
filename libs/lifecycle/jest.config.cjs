module.exports = {
  displayName: 'lifecycle',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/libs/lifecycle',
};
