// Entry point of the agents app.
console.error('agents: not implemented yet');
process.exitCode = 1;
