module.exports = {
  displayName: 'game',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/libs/game',
};
