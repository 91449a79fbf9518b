// Locks in the read replica: a second PostgreSQL server that is a streaming hot standby of the
// primary (base backup with pg_backup_start/stop, standby.signal, primary_conninfo), read-only,
// whose WAL replay tests can pause to see a lagging reader; and the per-file database with one.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import postgresGlobalSetup from '../../src/jest/postgres-global-setup';
import postgresGlobalTeardown from '../../src/jest/postgres-global-teardown';
import {
  openTestDbWithReplica,
  startStreamingReplica,
  pauseReplay,
  replicationLag,
  resumeReplay,
  startPrimaryWithReplica,
  waitForReplay,
  type PrimaryWithReplica,
} from '../../src/index';

jest.setTimeout(120_000);

async function query<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const values = async (url: string): Promise<number[]> =>
  (await query<{ v: number }>(url, 'SELECT v FROM items ORDER BY v')).map((r) => r.v);

describe('startPrimaryWithReplica', () => {
  let pair: PrimaryWithReplica;
  beforeAll(async () => {
    const started = Date.now();
    pair = await startPrimaryWithReplica();
    process.stderr.write(`[replica.spec] primary + standby up in ${Date.now() - started} ms\n`);
    await query(pair.primary.url, 'CREATE TABLE items (v int PRIMARY KEY)');
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('is a different server in recovery, streaming from the primary', async () => {
    const { replica, primary } = pair;
    expect(replica.port).not.toBe(primary.port);
    expect(new URL(replica.url).pathname).toBe('/pardon');
    expect(await query(replica.url, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
    expect(await query(primary.url, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: false }]);
    const [sender] = await query<{ application_name: string; state: string }>(
      primary.adminUrl,
      'SELECT application_name, state FROM pg_stat_replication',
    );
    expect(sender).toEqual({ application_name: replica.slot, state: 'streaming' });
    const [receiver] = await query<{ status: string }>(
      replica.adminUrl,
      'SELECT status FROM pg_stat_wal_receiver',
    );
    expect(receiver?.status).toBe('streaming');
  });

  it('shows what the primary wrote, and refuses writes', async () => {
    const { replica, primary } = pair;
    await query(primary.url, 'INSERT INTO items VALUES (1), (2)');
    await waitForReplay(replica);
    expect(await values(replica.url)).toEqual([1, 2]);
    await expect(query(replica.url, 'INSERT INTO items VALUES (3)')).rejects.toThrow(
      'cannot execute INSERT in a read-only transaction',
    );
    await expect(query(replica.url, 'CREATE TABLE nope (v int)')).rejects.toThrow(/read-only/);
  });

  it('with replay paused, a new row is on the primary and not on the standby until resumed', async () => {
    const { replica, primary } = pair;
    await pauseReplay(replica);
    try {
      await query(primary.url, 'INSERT INTO items VALUES (10)');
      expect(await values(primary.url)).toEqual([1, 2, 10]);
      await expect(waitForReplay(replica, undefined, 300)).rejects.toThrow(/replay is paused/);
      const lag = await replicationLag(replica);
      expect(lag.paused).toBe(true);
      expect(lag.bytes).toBeGreaterThan(0);
      expect(await values(replica.url)).toEqual([1, 2]); // still the past
      // The WAL did arrive: only its replay waits.
      expect(lag.receiveLsn).not.toBeNull();
    } finally {
      await resumeReplay(replica);
    }
    await waitForReplay(replica);
    expect(await values(replica.url)).toEqual([1, 2, 10]);
    expect((await replicationLag(replica)).paused).toBe(false);
  });

  it('resumes streaming after the standby restarts', async () => {
    const { replica, primary } = pair;
    await replica.stop();
    expect(await portAccepts(replica.port)).toBe(false);
    await query(primary.url, 'INSERT INTO items VALUES (20)');
    await replica.start();
    await waitForReplay(replica);
    expect(await values(replica.url)).toEqual([1, 2, 10, 20]);
  });
});

test('close stops both servers, drops the slot and removes the temp data dirs', async () => {
  const pair = await startPrimaryWithReplica();
  const { primary, replica } = pair;
  await replica.close();
  expect(await portAccepts(replica.port)).toBe(false);
  expect(existsSync(replica.dataDir)).toBe(false);
  expect(await query(primary.adminUrl, 'SELECT slot_name FROM pg_replication_slots')).toEqual([]);
  await pair.close();
  expect(await portAccepts(primary.port)).toBe(false);
  expect(existsSync(primary.dataDir)).toBe(false);
});

test('a standby in a kept data dir is taken afresh when started again', async () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'pardon-standby-kept-'));
  chmodSync(parent, 0o755); // the embedded PostgreSQL (its own user under root) enters it
  const dataDir = path.join(parent, 'standby');
  const pair = await startPrimaryWithReplica({ replica: { dataDir } });
  try {
    await query(pair.primary.url, 'CREATE TABLE items (v int)');
    await pair.replica.close(); // slot dropped, data dir kept
    expect(existsSync(path.join(dataDir, 'standby.signal'))).toBe(true);
    await query(pair.primary.url, 'INSERT INTO items VALUES (7)');
    const again = await startStreamingReplica(pair.primary, { dataDir });
    try {
      await waitForReplay(again);
      expect(await values(again.url)).toEqual([7]);
    } finally {
      await again.close();
    }
  } finally {
    await pair.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

test("openTestDbWithReplica: the file's database on the run's server and on a standby of it", async () => {
  const saved = { ...process.env };
  delete process.env['DATABASE_URL'];
  try {
    await postgresGlobalSetup();
    const started = Date.now();
    const fixture = await openTestDbWithReplica();
    process.stderr.write(`[replica.spec] openTestDbWithReplica in ${Date.now() - started} ms\n`);
    try {
      expect(new URL(fixture.readUrl).pathname).toBe(`/${fixture.database.name}`);
      expect(new URL(fixture.readUrl).port).toBe(String(fixture.replica.port));
      // Cloned from the migrated template on the primary, replicated to the standby.
      expect(await fixture.readQuery('SELECT count(*)::int AS n FROM gateway_tasks')).toEqual([
        { n: 0 },
      ]);
      await fixture.query(`INSERT INTO gateway_tasks (task_id, base_url) VALUES ('a', 'http://a')`);
      await fixture.waitForReplay();
      expect(await fixture.readQuery('SELECT task_id FROM gateway_tasks')).toEqual([
        { task_id: 'a' },
      ]);
      await fixture.pauseReplay();
      await fixture.query(`INSERT INTO gateway_tasks (task_id, base_url) VALUES ('b', 'http://b')`);
      expect(await fixture.query('SELECT count(*)::int AS n FROM gateway_tasks')).toEqual([
        { n: 2 },
      ]);
      expect(await fixture.readQuery('SELECT count(*)::int AS n FROM gateway_tasks')).toEqual([
        { n: 1 },
      ]);
      await fixture.resumeReplay();
      await fixture.waitForReplay();
      expect(await fixture.readQuery('SELECT count(*)::int AS n FROM gateway_tasks')).toEqual([
        { n: 2 },
      ]);
      await expect(fixture.readQuery(`DELETE FROM gateway_tasks`)).rejects.toThrow(
        'cannot execute DELETE in a read-only transaction',
      );
    } finally {
      await fixture.drop();
    }
    expect(await portAccepts(fixture.replica.port)).toBe(false);
    const adminUrl = fixture.database.adminUrl;
    expect(
      await query(adminUrl, 'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [
        fixture.database.name,
      ]),
    ).toEqual([{ n: 0 }]);
    expect(await query(adminUrl, 'SELECT slot_name FROM pg_replication_slots')).toEqual([]);
  } finally {
    await postgresGlobalTeardown();
    process.env = saved;
  }
});
