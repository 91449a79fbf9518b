// The listening side of notify-fanout.bench.ts, in a process of its own so that its CPU is its
// own: `count` connections LISTEN on MESSAGES_CHANNEL and decode each payload as a gateway's
// MessageListener does, dropping what another task announced. Reports over IPC.
import pg from 'pg';
import { decodeMessageAppended, MESSAGES_CHANNEL } from '../src/lib/messages';

async function main(): Promise<void> {
  const [url, countText] = process.argv.slice(2);
  const clients = Array.from(
    { length: Number(countText) },
    () => new pg.Client({ connectionString: url }),
  );
  let received = 0;
  let dropped = 0;
  const backendPids: number[] = [];
  for (const client of clients) {
    await client.connect();
    client.on('notification', (n) => {
      if (n.channel !== MESSAGES_CHANNEL || !n.payload) return;
      received += 1;
      const event = decodeMessageAppended(n.payload);
      if (event && event.origin !== 'this-task') dropped += 1;
    });
    await client.query(`LISTEN ${MESSAGES_CHANNEL}`);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    backendPids.push(rows[0]?.pid ?? 0);
  }
  process.on('message', (msg) => {
    if (msg === 'count') process.send?.({ received, dropped });
    if (msg === 'stop') void Promise.all(clients.map((c) => c.end())).then(() => process.exit(0));
  });
  process.send?.({ ready: true, backendPids });
}
void main();
