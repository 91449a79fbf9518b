// Entry point of the infra app.
console.error('infra: not implemented yet');
process.exitCode = 1;
