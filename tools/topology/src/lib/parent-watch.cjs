// Preloaded (`node --require`) into every process the topology launcher starts: when the process
// that started it dies (even by SIGKILL, when no cleanup code of its own can run), the child is
// re-parented and stops itself with SIGTERM, so nothing outlives a crashed `npm start` or test run.
'use strict';
const POLL_MS = 500;
const FORCE_EXIT_MS = 15000;
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(timer);
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref();
}, POLL_MS);
timer.unref();
