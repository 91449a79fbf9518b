// Entry point of the cron-worker app.
console.error('cron-worker: not implemented yet');
process.exitCode = 1;
