// Entry point of the infra CLI: wires the process (stdio, exit status) to runCli.
import { runCli } from './lib/cli';

/** Reads a secret from stdin. On a terminal, echo is off (raw mode) and input ends at Enter. */
function readSecret(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      stdin.on('data', (c: Buffer) => chunks.push(c));
      stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      stdin.on('error', reject);
    });
  }
  process.stderr.write('secret value (input hidden, end with Enter): ');
  return new Promise((resolve) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (c: Buffer): void => {
      for (const ch of c.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          process.exit(130);
        }
        value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}

void runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readSecret,
  progress: true,
}).then((code) => {
  process.exitCode = code;
});
