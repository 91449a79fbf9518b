export default {
  displayName: 'loadtest',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/loadtest',
};
