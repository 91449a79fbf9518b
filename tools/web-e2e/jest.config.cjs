module.exports = {
  displayName: 'web-e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  coverageDirectory: '../../coverage/tools/web-e2e',
  // A whole topology (PostgreSQL, gateway, six agents, cron-worker) and a browser per file.
  testTimeout: 60_000,
};
