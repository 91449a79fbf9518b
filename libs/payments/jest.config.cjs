module.exports = {
  displayName: 'payments',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/libs/payments',
  testTimeout: 60_000,
};
