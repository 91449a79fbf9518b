// Entry point of the gateway: read the environment, start the server, close on SIGTERM.
import { ConfigError, loadConfig } from './config';
import { closeOnSignals, createServer } from './server';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const server = await createServer(config);
  closeOnSignals(server, config.shutdownTimeoutMs);
  await server.listen();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('gateway failed to start:', err);
  process.exit(1);
});
