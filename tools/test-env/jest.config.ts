export default {
  displayName: 'test-env',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/test-env',
};
