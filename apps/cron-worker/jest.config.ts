export default {
  displayName: 'cron-worker',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/apps/cron-worker',
};
