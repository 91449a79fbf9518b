import type { WorkerJobName as JobName } from './config';
import { Client } from 'pg';
import type { Logger } from 'pino';

// Advisory lock keys: (namespace, job). The namespace keeps clear of locks other code may take.
const LOCK_NAMESPACE = 0x7064; // "pd"
const LOCK_IDS: Record<JobName, number> = {
  'session-cleanup': 1,
  'thread-cleanup': 2,
  'pool-health': 3,
  'weekly-close': 4,
  'payment-reconcile': 5,
};

/**
 * Leadership per job through PostgreSQL session-level advisory locks, all held on one dedicated
 * connection. The worker that holds a job's lock runs that job on every tick and keeps the lock;
 * the others try again on each tick. When the leader dies its connection closes and PostgreSQL
 * releases the lock, so the next tick runs elsewhere; a clean shutdown unlocks explicitly.
 */
export class JobLeadership {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  /** Lock key of a job, as `pg_locks` shows it (classid, objid). */
  static lockKey(job: JobName): { classid: number; objid: number } {
    return { classid: LOCK_NAMESPACE, objid: LOCK_IDS[job] };
  }

  /**
   * True when this worker leads `job` for this tick: it already holds the lock on a live
   * connection, or it has just taken it. Never waits for another worker.
   */
  async tryLead(job: JobName): Promise<boolean> {
    const client = await this.connection();
    try {
      return await this.check(client, job);
    } catch (err) {
      // A connection that does not answer may still hold our locks on the server: drop it, so
      // the server frees them and the next tick starts from a clean connection.
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      throw err;
    }
  }

  private async check(client: Client, job: JobName): Promise<boolean> {
    // One query both proves the connection is alive and tells whether the lock is still ours;
    // re-taking a held lock would stack it (session locks are re-entrant).
    const { rows } = await client.query<{ held: boolean; taken: boolean | null }>(
      `WITH held AS (
         SELECT EXISTS (SELECT 1 FROM pg_locks
                        WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                          AND classid = $1::int::oid AND objid = $2::int::oid
                          AND objsubid = 2 AND granted) AS held)
       SELECT held.held,
              CASE WHEN held.held THEN NULL ELSE pg_try_advisory_lock($1::int, $2::int) END AS taken
       FROM held`,
      [LOCK_NAMESPACE, LOCK_IDS[job]],
    );
    const row = rows[0];
    if (row?.taken === true) this.log.info({ job }, 'took the lead for this job');
    return row?.held === true || row?.taken === true;
  }

  /** Unlocks everything and closes the connection (clean shutdown). */
  async releaseAll(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.query('SELECT pg_advisory_unlock_all()');
    } catch (err) {
      // Closing the connection below releases the locks anyway.
      this.log.warn({ err }, 'advisory unlock failed; closing the connection releases the locks');
    }
    await client.end().catch(() => undefined);
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const client = new Client({
      connectionString: this.url,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      query_timeout: 5_000,
      application_name: 'cron-worker-locks',
    });
    client.on('error', (err) => {
      // The server dropped us, so it dropped our locks too: lead nothing until re-taken.
      this.log.warn({ err }, 'lock connection lost; leadership dropped');
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
    });
    await client.connect();
    this.client = client;
    return client;
  }
}
