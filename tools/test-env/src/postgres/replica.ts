// The design's read replica, for real: a second PostgreSQL server that is a streaming hot standby of
// a primary on this machine, built from the embedded binaries only (see base-backup.ts), with the
// replay controls tests need to see a lagging reader.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { withDatabase } from './provider';
import {
  freePort,
  spawnPostgresChild,
  startPostgresServer,
  type PostgresServer,
  type StartPostgresServerOptions,
} from './server';

/** The primary a standby follows: any server on this machine (a `PostgresServer` fits). */
export interface ReplicaPrimary {
  /** Superuser URL on a loopback address. */
  readonly adminUrl: string;
  /** Application database URL; the replica's `url` names the same database. Default `postgres`. */
  readonly url?: string;
  /** The primary's data directory. Default: what `SHOW data_directory` says. */
  readonly dataDir?: string;
}

export interface StartReplicaOptions {
  /** Default: a free loopback port. */
  port?: number;
  /**
   * The standby's data directory; default a temp dir removed on close. Kept across `stop()`/
   * `start()`; each new standby process takes a fresh base backup into it (empty, missing, or a
   * previous standby's).
   */
  dataDir?: string;
  /** How long to wait for the standby to serve what the primary wrote. Default 60 s. */
  startTimeoutMs?: number;
  /** Extra standby settings (`-c name=value`). */
  settings?: Record<string, string>;
}

/** A streaming hot standby (read-only) of `primary`. */
export interface PostgresReplica {
  /** The primary's `url` database, on the standby. */
  readonly url: string;
  /** The standby's `postgres` database. */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Physical replication slot on the primary (dropped on close). */
  readonly slot: string;
  readonly primary: { readonly adminUrl: string; readonly dataDir: string };
  /** `database` on the standby. */
  urlFor(database: string): string;
  /** Stops the standby (fast shutdown); it keeps its slot and resumes streaming on `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good, drops its slot on the primary and removes a temp data dir. */
  close(): Promise<void>;
}

/** The role standbys stream as (REPLICATION, not superuser). */
const REPLICATION_ROLE = 'pardon_replicator';
const REPLICATION_PASSWORD = 'pardon_replicator';
/** One row per standby, written on the primary and read on the standby to prove it follows. */
const PROBE_TABLE = 'pardon_replication_probe';
/** A hot standby refuses to start unless these are at least the primary's values. */
const MUST_MATCH = [
  'max_connections',
  'max_worker_processes',
  'max_wal_senders',
  'max_prepared_transactions',
  'max_locks_per_transaction',
];
const DEFAULT_START_TIMEOUT_MS = 60_000;
const POLL_MS = 10;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Polls `check` until it returns a value, or fails with `describe()` after `timeoutMs`. */
async function until<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => Promise<string> | string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(await describe());
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Prepares the primary for a standby: checks `wal_level` and `max_wal_senders`, creates the
 * replication role, and allows it in pg_hba.conf from 127.0.0.1 only (initdb's default file already
 * does). Returns the primary's data directory and the settings the standby must copy.
 */
async function preparePrimary(
  primary: ReplicaPrimary,
): Promise<{ dataDir: string; settings: Record<string, string> }> {
  return withClient(primary.adminUrl, async (c) => {
    const { rows } = await c.query<{ name: string; setting: string }>(
      'SELECT name, setting FROM pg_settings WHERE name = ANY($1)',
      [[...MUST_MATCH, 'wal_level', 'data_directory', 'hba_file']],
    );
    const setting = Object.fromEntries(rows.map((r) => [r.name, r.setting]));
    if (setting['wal_level'] === 'minimal') {
      throw new Error('the primary runs with wal_level=minimal: start it with wal_level=replica');
    }
    if (Number(setting['max_wal_senders']) < 1) {
      throw new Error('the primary runs with max_wal_senders=0: it cannot stream to a standby');
    }
    const dataDir = primary.dataDir ?? setting['data_directory'] ?? '';
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      throw new Error(
        `the primary's data directory ${dataDir} is not readable here: a standby needs a primary ` +
          'on this machine',
      );
    }
    // Several standbys (Jest workers) may prepare the same primary at once.
    await c.query(`DO $$ BEGIN
      CREATE ROLE ${REPLICATION_ROLE} WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    await c.query(
      `DO $$ BEGIN
        CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (slot text PRIMARY KEY, token text NOT NULL);
      EXCEPTION WHEN duplicate_table OR unique_violation THEN NULL; END $$`,
    );
    const allowed = await c.query(
      `SELECT 1 FROM pg_hba_file_rules
        WHERE type = 'host' AND 'replication' = ANY(database) AND address = '127.0.0.1'
          AND ('all' = ANY(user_name) OR $1 = ANY(user_name)) AND error IS NULL`,
      [REPLICATION_ROLE],
    );
    if (allowed.rowCount === 0) {
      const { appendFileSync } = await import('node:fs');
      appendFileSync(
        setting['hba_file'] ?? path.join(dataDir, 'pg_hba.conf'),
        `\nhost replication ${REPLICATION_ROLE} 127.0.0.1/32 scram-sha-256 # @pardon/test-env\n`,
      );
      await c.query('SELECT pg_reload_conf()');
    }
    const settings = Object.fromEntries(
      MUST_MATCH.filter((name) => setting[name] !== undefined).map((name) => [
        name,
        setting[name] as string,
      ]),
    );
    return { dataDir, settings };
  });
}

/**
 * Starts a streaming hot standby of `primary` (which must run on this machine: the base backup
 * copies its data directory) on a free loopback port, and resolves once the standby is in recovery
 * and serves a row just written on the primary. Owned by a child process like every embedded
 * server: closed (and its slot dropped) when this process exits.
 */
export async function startStreamingReplica(
  primary: ReplicaPrimary,
  options: StartReplicaOptions = {},
): Promise<PostgresReplica> {
  const primaryUrl = new URL(primary.adminUrl);
  if (!LOOPBACK.has(primaryUrl.hostname)) {
    throw new Error(`a standby follows a primary on loopback only, not ${primaryUrl.hostname}`);
  }
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const prepared = await preparePrimary(primary);
  const port = options.port ?? (await freePort());
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir
    ? path.resolve(options.dataDir)
    : mkdtempSync(path.join(os.tmpdir(), 'pardon-pg-standby-'));
  const slot = `pardon_standby_${port}_${randomBytes(3).toString('hex')}`;
  const conninfo = [
    `host=127.0.0.1`,
    `port=${primaryUrl.port || '5432'}`,
    `user=${REPLICATION_ROLE}`,
    `password=${REPLICATION_PASSWORD}`,
    `application_name=${slot}`,
  ].join(' ');
  const child = await spawnPostgresChild(
    {
      dataDir,
      port,
      removeDataDirOnClose: temporary,
      durable: !temporary,
      settings: { hot_standby: 'on', ...prepared.settings, ...options.settings },
      standbyOf: { adminUrl: primary.adminUrl, dataDir: prepared.dataDir, slot, conninfo },
    },
    timeoutMs,
  );
  const standbyBase = new URL(primary.adminUrl);
  standbyBase.port = String(port);
  standbyBase.hostname = '127.0.0.1';
  const adminUrl = withDatabase(standbyBase.toString(), 'postgres');
  const database = primary.url ? new URL(primary.url).pathname.slice(1) : 'postgres';
  const replica: PostgresReplica = {
    url: withDatabase(adminUrl, decodeURIComponent(database)),
    adminUrl,
    port,
    dataDir,
    slot,
    primary: { adminUrl: primary.adminUrl, dataDir: prepared.dataDir },
    urlFor: (name) => withDatabase(adminUrl, name),
    stop: child.stop,
    start: child.start,
    close: child.close,
  };
  try {
    await proveStreaming(replica, timeoutMs);
  } catch (error) {
    await child.close();
    throw error;
  }
  return replica;
}

/** In recovery, and serving a row written on the primary after it started. */
async function proveStreaming(replica: PostgresReplica, timeoutMs: number): Promise<void> {
  const token = randomBytes(8).toString('hex');
  await withClient(replica.primary.adminUrl, (c) =>
    c.query(
      `INSERT INTO ${PROBE_TABLE} (slot, token) VALUES ($1, $2)
       ON CONFLICT (slot) DO UPDATE SET token = EXCLUDED.token`,
      [replica.slot, token],
    ),
  );
  await withClient(replica.adminUrl, async (c) => {
    const { rows } = await c.query<{ recovering: boolean }>(
      'SELECT pg_is_in_recovery() AS recovering',
    );
    if (!rows[0]?.recovering) throw new Error('the standby is not in recovery');
    await until(
      async () => {
        const found = await c.query(`SELECT 1 FROM ${PROBE_TABLE} WHERE slot = $1 AND token = $2`, [
          replica.slot,
          token,
        ]);
        return found.rowCount ? true : undefined;
      },
      timeoutMs,
      () => `the standby on port ${replica.port} did not replay the primary's write in time`,
    );
  });
  await withClient(replica.primary.adminUrl, (c) =>
    c.query(`DELETE FROM ${PROBE_TABLE} WHERE slot = $1`, [replica.slot]),
  );
}

/** Pauses WAL replay: the standby keeps receiving WAL but shows nothing new until resumed. */
export async function pauseReplay(replica: PostgresReplica, timeoutMs = 10_000): Promise<void> {
  await withClient(replica.adminUrl, async (c) => {
    await c.query('SELECT pg_wal_replay_pause()');
    await until(
      async () => {
        const { rows } = await c.query<{ state: string }>(
          'SELECT pg_get_wal_replay_pause_state() AS state',
        );
        return rows[0]?.state === 'paused' ? true : undefined;
      },
      timeoutMs,
      () => 'WAL replay did not pause in time',
    );
  });
}

export async function resumeReplay(replica: PostgresReplica): Promise<void> {
  await withClient(replica.adminUrl, (c) => c.query('SELECT pg_wal_replay_resume()'));
}

/**
 * Where the primary's WAL ends now (`pg_current_wal_insert_lsn()`: with `synchronous_commit=off`
 * a commit can still sit in WAL buffers, before `pg_current_wal_lsn()`), flushed so that the
 * walsender streams it at once instead of after the WAL writer's next round.
 */
export async function primaryLsn(replica: PostgresReplica): Promise<string> {
  return withClient(replica.primary.adminUrl, async (c) => {
    const { rows } = await c.query<{ lsn: string }>(
      'SELECT pg_current_wal_insert_lsn()::text AS lsn',
    );
    await c.query("SELECT pg_logical_emit_message(false, 'pardon-test-env', '', true)");
    return rows[0]?.lsn ?? '0/0';
  });
}

export interface ReplicationLag {
  /** `pg_current_wal_insert_lsn()` on the primary. */
  primaryLsn: string;
  /** `pg_last_wal_receive_lsn()` on the standby: streamed and stored. */
  receiveLsn: string | null;
  /** `pg_last_wal_replay_lsn()` on the standby: visible to its queries. */
  replayLsn: string | null;
  /** WAL bytes written on the primary and not yet replayed on the standby. */
  bytes: number;
  /** `pg_is_wal_replay_paused()` on the standby. */
  paused: boolean;
}

/** How far the standby's replay is behind the primary's WAL, in bytes. */
export async function replicationLag(replica: PostgresReplica): Promise<ReplicationLag> {
  const standby = await withClient(replica.adminUrl, async (c) => {
    const { rows } = await c.query<{
      receive: string | null;
      replay: string | null;
      paused: boolean;
    }>(
      `SELECT pg_last_wal_receive_lsn()::text AS receive, pg_last_wal_replay_lsn()::text AS replay,
              pg_is_wal_replay_paused() AS paused`,
    );
    return rows[0] ?? { receive: null, replay: null, paused: false };
  });
  return withClient(replica.primary.adminUrl, async (c) => {
    const { rows } = await c.query<{ lsn: string; bytes: string }>(
      `SELECT pg_current_wal_insert_lsn()::text AS lsn,
              greatest(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), coalesce($1::pg_lsn, '0/0')), 0)::text AS bytes`,
      [standby.replay],
    );
    return {
      primaryLsn: rows[0]?.lsn ?? '0/0',
      receiveLsn: standby.receive,
      replayLsn: standby.replay,
      bytes: Number(rows[0]?.bytes ?? 0),
      paused: standby.paused,
    };
  });
}

/**
 * Resolves once the standby has replayed the primary's WAL up to `lsn` (default: everything the
 * primary has written by now), so whatever was committed before the call is visible on it.
 */
export async function waitForReplay(
  replica: PostgresReplica,
  lsn?: string,
  timeoutMs = 30_000,
): Promise<void> {
  const target = lsn ?? (await primaryLsn(replica));
  await withClient(replica.adminUrl, (c) =>
    until(
      async () => {
        const { rows } = await c.query<{ done: boolean }>(
          'SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done',
          [target],
        );
        return rows[0]?.done ? true : undefined;
      },
      timeoutMs,
      async () => {
        const lag = await replicationLag(replica);
        return (
          `the standby did not replay up to ${target} within ${timeoutMs} ms (replayed ` +
          `${lag.replayLsn ?? 'nothing'}${lag.paused ? ', replay is paused' : ''})`
        );
      },
    ),
  );
}

/** A primary and its streaming standby, closed together. */
export interface PrimaryWithReplica {
  primary: PostgresServer;
  replica: PostgresReplica;
  /** Closes the standby, then the primary. */
  close(): Promise<void>;
}

/**
 * An embedded primary (`startPostgresServer`, with the replication settings spelled out) and a
 * streaming standby of it. E.g. for a local run with a reader:
 * `DATABASE_URL=primary.url`, `DATABASE_READ_URL=replica.url`.
 */
export async function startPrimaryWithReplica(
  options: StartPostgresServerOptions & { replica?: StartReplicaOptions } = {},
): Promise<PrimaryWithReplica> {
  const { replica: replicaOptions, ...primaryOptions } = options;
  const primary = await startPostgresServer({
    ...primaryOptions,
    settings: {
      wal_level: 'replica',
      max_wal_senders: '10',
      max_replication_slots: '10',
      hot_standby: 'on',
      ...primaryOptions.settings,
    },
  });
  let replica: PostgresReplica;
  try {
    replica = await startStreamingReplica(primary, replicaOptions);
  } catch (error) {
    await primary.close();
    throw error;
  }
  return {
    primary,
    replica,
    close: async () => {
      try {
        await replica.close();
      } finally {
        await primary.close();
      }
    },
  };
}
