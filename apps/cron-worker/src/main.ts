// Entry point of the cron-worker: `cron-worker` schedules the lifecycle jobs and weekly-close;
// `cron-worker --once <job> [--now <ISO time>]` runs one job now, prints its result as JSON and
// exits.
import { Command, InvalidArgumentError, Option } from 'commander';
import { createDb, createLifecycleNotifier, flushJobRecords } from '@pardon/db';
import pino from 'pino';
import {
  ConfigError,
  loadConfig,
  WORKER_JOB_NAMES as JOB_NAMES,
  type WorkerConfig,
  type WorkerJobName as JobName,
} from './lib/config';
import { runJob, type JobContext } from './lib/jobs';
import { cloudWatchSink, emfSink, offSink, type MetricsSink } from './lib/metrics';
import { startWorker } from './lib/worker';

const CLOSE_DEADLINE_MS = 5_000;

function parseNow(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('expected an ISO 8601 time');
  return ms;
}

function metricsSink(config: WorkerConfig): MetricsSink {
  const { sink, namespace, region, endpoint } = config.metrics;
  if (sink === 'cloudwatch') return cloudWatchSink({ namespace, region, endpoint });
  if (sink === 'emf')
    return emfSink({ namespace, write: (line) => process.stdout.write(`${line}\n`) });
  return offSink();
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('cron-worker')
    .description(
      'Lifecycle jobs (session-cleanup, thread-cleanup, pool-health), weekly-close and custom metrics',
    )
    .addOption(
      new Option('--once <job>', 'run one job now and print its result').choices(JOB_NAMES),
    )
    .option('--now <time>', 'with --once: the time the job takes as "now" (ISO 8601)', parseNow)
    .exitOverride()
    .parse(argv);
  const opts = program.opts<{ once?: JobName; now?: number }>();
  if (opts.now !== undefined && opts.once === undefined) {
    process.stderr.write('cron-worker: --now only applies with --once\n');
    return 2;
  }

  let config: WorkerConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`cron-worker: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  // Logs go to stderr so stdout carries only results and EMF metric lines. Synchronous, so the
  // last lines before a crash or exit are not lost.
  const log = pino(
    { level: config.logLevel, base: { service: 'cron-worker', workerId: config.workerId } },
    pino.destination({ dest: 2, sync: true }),
  );
  const db = createDb({ writeUrl: config.databaseUrl, writePoolSize: 4, logger: log });
  const notifier = createLifecycleNotifier(config.databaseUrl, { logger: log });
  const ctx: JobContext = { db, notifier, metrics: metricsSink(config), config, log };
  const closeAll = async () => {
    // The job's cron_runs row is written after its result; let it land before the pools close.
    await flushJobRecords();
    ctx.metrics.close();
    await Promise.allSettled([notifier.close(), db.close()]);
  };

  if (opts.once !== undefined) {
    try {
      const result = await runJob(opts.once, ctx, opts.now ?? Date.now());
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } catch (err) {
      log.error({ err, job: opts.once }, 'job failed');
      process.stderr.write(
        `cron-worker: ${opts.once} failed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      return 1;
    } finally {
      await closeAll();
    }
  }

  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
  const worker = startWorker(ctx);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  const finished = await worker.stop();
  // An abandoned job may keep a pool busy; exit anyway once the connections had their chance.
  setTimeout(() => process.exit(0), CLOSE_DEADLINE_MS).unref();
  await closeAll();
  log.info({ finished }, 'cron-worker stopped');
  return 0;
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // commander's exitOverride throws for --help and bad arguments with the exit code to use.
    const code = (err as { exitCode?: unknown }).exitCode;
    if (typeof code === 'number') process.exit(code);
    process.stderr.write(`cron-worker: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
