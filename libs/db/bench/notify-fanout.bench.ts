// Benchmark (not a test): what the fleet's message notifications cost a task that only drops
// them. Every append NOTIFYs MESSAGES_CHANNEL and every task LISTENs, so each task hears the
// whole fleet's appends (and evaluations), nearly all of them for threads it does not follow.
// A notifier sends `pg_notify` in one-statement transactions at a fixed rate from four
// connections, as the appends do; a listener process holds 0, 1 or 3 LISTEN connections (tasks)
// and decodes each payload as MessageListener does. CPU from /proc/<pid>/schedstat: the
// notifier's backends, each listener's backend, the listener process. Prints a table, writes
// reports/bench/notify-fanout.json. Run: npx nx run db:bench
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startPostgresServer } from '@pardon/test-env';
import pg from 'pg';
import { MESSAGES_CHANNEL } from '../src/lib/messages';
import { runBench, writeReport } from './report';

const RATES = [1000, 2000, 4000];
const LISTENERS = [0, 1, 3];
const WINDOW_MS = 8_000;
const NOTIFIERS = 4;
/** Notifications per reply: the player's message, the agent's reply, the evaluation's score. */
const NOTIFICATIONS_PER_REPLY = 3;
/** Replies per second of one task at the capacity run's 1,375 passing players (docs/capacity.md). */
const REPLIES_PER_TASK_S = 140;

/** CPU ms of every thread of a process. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  }
  return ns / 1e6;
}
const sumCpuMs = (pids: number[]) => pids.reduce((a, pid) => a + cpuMs(pid), 0);

interface Row {
  ratePerS: number;
  listeners: number;
  sentPerS: number;
  receivedPerS: number;
  notifierBackendUs: number;
  listenerBackendUs: number | null;
  listenerProcessUs: number | null;
}

async function measure(url: string, rate: number, listeners: number): Promise<Row> {
  const child = fork(path.join(__dirname, 'notify-listener.ts'), [url, String(listeners)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<{ backendPids: number[] }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { backendPids: number[] }));
      child.once('exit', (code) => reject(new Error(`listener exited (${code})`)));
    });
    const count = () =>
      new Promise<{ received: number }>((resolve) => {
        child.once('message', (m) => resolve(m as { received: number }));
        child.send('count');
      });
    const pool = new pg.Pool({ connectionString: url, max: NOTIFIERS });
    const clients = await Promise.all(Array.from({ length: NOTIFIERS }, () => pool.connect()));
    const notifierPids = await Promise.all(
      clients.map(
        async (c) =>
          (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0,
      ),
    );
    clients.forEach((c) => c.release());
    let sent = 0;
    let running = true;
    const payload = (seq: number) =>
      JSON.stringify({ t: '6f1c2b8e-3d4a-4f5b-9c6d-7e8f9a0b1c2d', s: seq, k: 'another-task' });
    // Paced in 10 ms slices, each slice's notifications in flight together (as concurrent appends).
    const pace = (async () => {
      const started = Date.now();
      while (running) {
        const due = Math.floor(((Date.now() - started) * rate) / 1000);
        const batch: Promise<unknown>[] = [];
        while (sent < due) {
          sent += 1;
          batch.push(
            pool.query({
              name: 'notify',
              text: 'SELECT pg_notify($1, $2)',
              values: [MESSAGES_CHANNEL, payload(sent)],
            }),
          );
        }
        await Promise.all(batch);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 1500)); // steady first
    const reading = async () => ({
      sent,
      received: (await count()).received,
      notifier: sumCpuMs(notifierPids),
      backends: sumCpuMs(ready.backendPids),
      listener: cpuMs(child.pid as number),
    });
    const before = await reading();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const after = await reading();
    running = false;
    await pace;
    await pool.end();
    const n = after.sent - before.sent;
    const got = after.received - before.received;
    const us = (ms: number, per: number) =>
      per > 0 ? Math.round(((ms * 1000) / per) * 10) / 10 : null;
    return {
      ratePerS: rate,
      listeners,
      sentPerS: Math.round(n / (WINDOW_MS / 1000)),
      receivedPerS: Math.round(got / (WINDOW_MS / 1000)),
      notifierBackendUs: us(after.notifier - before.notifier, n) ?? 0,
      // Per notification and listening connection: what each task's LISTEN costs the database.
      listenerBackendUs: us(after.backends - before.backends, n * listeners),
      listenerProcessUs: us(after.listener - before.listener, got),
    };
  } finally {
    // A listener that died early (its error is already printed) has nothing left to stop.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('stop');
      await exited;
    }
  }
}

async function main(): Promise<void> {
  const server = await startPostgresServer();
  const rows: Row[] = [];
  try {
    for (const rate of RATES) {
      for (const listeners of LISTENERS) {
        const row = await measure(server.url, rate, listeners);
        rows.push(row);
        console.log(`${rate}/s, ${listeners} listener(s): ${JSON.stringify(row)}`);
      }
    }
  } finally {
    await server.close();
  }
  console.table(rows);
  // The fleet: every task hears every task's notifications on its one LISTEN connection. The
  // one-listener row at the largest rate (the cheapest per notification) gives a floor.
  const at = rows.filter((r) => r.listeners === 1).at(-1) as Row;
  const fleet = [3, 10].map((tasks) => {
    const perS = tasks * REPLIES_PER_TASK_S * NOTIFICATIONS_PER_REPLY;
    return {
      tasks,
      notificationsPerS: perS,
      // Nearly all of them for threads the task does not follow: decoded and dropped.
      perTaskGatewayCores: Number(((perS * (at.listenerProcessUs ?? 0)) / 1e6).toFixed(3)),
      // Every task's listening backend wakes for every notification: tasks × rate, i.e. the
      // database's cost grows with the square of the fleet.
      databaseListenerCores: Number(
        ((perS * tasks * (at.listenerBackendUs ?? 0)) / 1e6).toFixed(3),
      ),
    };
  });
  console.table(fleet);
  writeReport('notify-fanout', {
    windowMs: WINDOW_MS,
    rows,
    fleet,
    repliesPerTaskS: REPLIES_PER_TASK_S,
  });
}

runBench(main);
