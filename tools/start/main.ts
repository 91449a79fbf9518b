// `npm start`: brings up what the platform has so far on this machine and says what it started.
// The local-topology issue turns this into the full game (PostgreSQL, gateway, agents, cron-worker).
const started: string[] = [];

console.log('Pardon Simulator platform: local start');
if (started.length === 0) {
  console.log(
    'Started nothing: the runnable apps (gateway, agents, cron-worker) have not landed yet.',
  );
  console.log('Run `npm test` to exercise the libraries that exist.');
}
