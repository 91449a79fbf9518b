// Entry point of the gateway app.
console.error('gateway: not implemented yet');
process.exitCode = 1;
