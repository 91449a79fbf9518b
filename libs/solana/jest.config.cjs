module.exports = {
  displayName: 'solana',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/libs/solana',
};
