export default {
  displayName: 'pooling',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/libs/pooling',
};
