// `npm start`: the whole game on this machine (DESIGN.md §8) — embedded PostgreSQL with its data in
// `.data/` (kept across restarts; `--replica` adds a streaming read replica), migrations, gateway task(s), the six scripted agents on each,
// the cron-worker(s). What dies is restarted with backoff, as on ECS (the status lines count the
// restarts). Ctrl-C or SIGTERM stops every process it started.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import {
  REPO_ROOT,
  fetchHealth,
  loadOrCreateSecrets,
  poolStatusLine,
  startTopology,
  AGENT_IDS,
  PortInUseError,
  replicationLag,
  type SupervisorEvent,
  type Topology,
} from '@pardon/topology';

const STATUS_POLL_MS = 5_000;
const PARENT_POLL_MS = 500;

const positive = (max: number) => (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
  }
  return n;
};
const port = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port');
  return n;
};

interface Options {
  tasks: number;
  pools: number;
  port: number;
  dbPort?: number;
  dataDir: string;
  latency: string;
  aws: boolean;
  replica: boolean;
  logLevel: string;
}

/** One `npm start` per data directory: a second one would fight over PostgreSQL's data. */
function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const pidFile = path.join(dataDir, 'npm-start.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    let running = false;
    try {
      if (pid > 0) process.kill(pid, 0);
      running = pid > 0;
    } catch {
      running = false; // ESRCH: a previous run that died; take over
    }
    if (running && pid !== process.pid) {
      throw new Error(`npm start is already running on ${dataDir} (pid ${pid}); stop it first`);
    }
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  return () => rmSync(pidFile, { force: true });
}

async function printStatus(topology: Topology): Promise<Map<string, string>> {
  const lines = new Map<string, string>();
  for (const task of topology.tasks) {
    try {
      const health = await fetchHealth(task.url, topology.secrets.opsToken);
      // Restarts by the supervisor, once there are any (the README shows a fresh start).
      const restarts = topology.supervisor?.restarts(task.taskId) ?? 0;
      const restarted = restarts > 0 ? `, restarts ${restarts}` : '';
      console.log(
        `  ${task.taskId} (${task.url})  ${health.status}, database ${health.database}${restarted}`,
      );
      for (const pool of health.pools) {
        const line = poolStatusLine(pool, AGENT_IDS.length);
        lines.set(`${task.taskId} ${pool.pool}`, line);
        console.log(`    ${line}`);
      }
    } catch (error) {
      console.log(`  ${task.taskId} (${task.url})  not answering: ${(error as Error).message}`);
    }
  }
  return lines;
}

/** The read replica's URL, port and replay lag, for the start-up lines. */
async function replicaStatus(topology: Topology): Promise<string> {
  const replica = topology.replica;
  if (!replica) return 'off';
  let lag: string;
  try {
    lag = `${(await replicationLag(replica)).bytes} bytes`;
  } catch (error) {
    lag = `unknown (${(error as Error).message})`;
  }
  return `${replica.url}   (streaming standby on port ${replica.port}, replay lag ${lag}; DATABASE_READ_URL of the gateways)`;
}

/** One status line per supervision event: a process died, came back, or could not be started. */
function supervisionLine(event: SupervisorEvent, topology: () => Topology | undefined): string {
  const after = `${(event.kind === 'restarted' ? 0 : event.restartInMs) / 1000} s`;
  const total = topology()?.supervisor?.restarts() ?? 0;
  switch (event.kind) {
    case 'exited':
      return `[status] ${event.unit} exited (${event.exit.signal ?? `code ${event.exit.code}`}); restarting in ${after}`;
    case 'restarted':
      return `[status] ${event.unit} restarted (pid ${event.pid}; its restarts ${event.restarts}, all restarts ${total})`;
    case 'restart-failed':
      return `[status] ${event.unit} did not start (${event.error.message.split('\n')[0]}); again in ${after}`;
  }
}

async function main(argv: string[]): Promise<void> {
  const options = new Command('npm start')
    .description('Runs the whole Pardon Simulator game on this machine')
    .option(
      '--tasks <n>',
      'gateway tasks (each with its six agents and a cron-worker)',
      positive(10),
      1,
    )
    .option('--pools <n>', 'session pools per task', positive(100), 5)
    .option(
      '--port <port>',
      'players’ port (the gateway, or the load balancer with --tasks > 1)',
      port,
      5555,
    )
    .option('--db-port <port>', 'PostgreSQL port (default: a free one)', port)
    .option('--data-dir <dir>', 'where PostgreSQL data, secrets and logs live', '.data')
    .option('--latency <spec>', 'scripted agents’ thinking time (AGENT_LATENCY_MS grammar)', '1500')
    .option('--aws', 'start the AWS emulator (moto) and publish metrics to it', false)
    .option(
      '--replica',
      'a streaming read replica of PostgreSQL for the gateways’ board and ops reads',
      false,
    )
    .option('--log-level <level>', 'LOG_LEVEL of every app', 'info')
    .parse(argv)
    .opts<Options>();

  const dataDir = path.resolve(REPO_ROOT, options.dataDir);
  const release = claimDataDir(dataDir);
  const secrets = loadOrCreateSecrets(dataDir);
  const logDir = path.join(dataDir, 'logs');

  const abort = new AbortController();
  let topology: Topology | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) {
      console.log(`\n${signal}: still stopping…`);
      return;
    }
    console.log(`\n${signal}: stopping every process…`);
    abort.abort();
    stopping = (async () => {
      await topology?.stop();
      release();
      console.log('Stopped. Data kept in', path.relative(process.cwd(), dataDir) || dataDir);
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  // `kill <npm's pid>` ends npm and its shell without passing the signal on: this process is then
  // re-parented, which is as good a signal to stop as any.
  const launcher = process.ppid;
  setInterval(() => {
    if (process.ppid !== launcher) shutdown('launcher exited');
  }, PARENT_POLL_MS).unref();

  console.log(
    `Pardon Simulator: starting ${options.tasks} task(s) × ${options.pools} pools, data in ${dataDir}`,
  );
  const bar = new SingleBar(
    { format: ' {bar} {value}/{total}  {step}', hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let barStarted = false;
  let lastLine = '';
  try {
    topology = await startTopology({
      tasks: options.tasks,
      pools: options.pools,
      port: options.port,
      postgres: {
        dataDir: path.join(dataDir, 'postgres'),
        ...(options.dbPort ? { port: options.dbPort } : {}),
      },
      aws: options.aws,
      replica: options.replica,
      agentLatency: options.latency,
      web: true,
      secrets,
      logDir,
      logLevel: options.logLevel,
      signal: abort.signal,
      supervise: {
        onEvent: (event) => {
          if (!stopping) console.log(supervisionLine(event, () => topology));
        },
      },
      onProgress: ({ step, done, total }) => {
        if (!process.stdout.isTTY) {
          // No bar in a log file or CI: one line per step as it begins.
          const line = done === total ? 'ready' : step;
          if (line !== lastLine)
            console.log(`  [${done + (done === total ? 0 : 1)}/${total}] ${line}`);
          lastLine = line;
          return;
        }
        if (!barStarted) {
          bar.start(total, done, { step });
          barStarted = true;
        }
        bar.update(done, { step: done === total ? 'ready' : step });
      },
    });
  } catch (error) {
    bar.stop();
    if (stopping) return; // the signal handler reports and exits
    release();
    throw error;
  }
  bar.stop();
  if (stopping) {
    await topology.stop();
    return;
  }

  const replicaLine = topology.replica
    ? `\n  read replica     ${await replicaStatus(topology)}`
    : '';
  console.log(`
The game is running.
  players          ${topology.url}/   (the player page; or npm run play -- cz "hello")
  operations       ${topology.url}/ops   /health   /metrics
  gateway tasks    ${topology.tasks.map((t) => t.url).join('  ')}
  agents' MCP      Coral 1.2: ${topology.tasks[0]?.url}/mcp/v1/{agent secret of the pool}/sse/   (the six agents use it)
                   Coral 1.0: ${topology.tasks[0]?.url}/sse/v1/devmode/pardon/local/{pool}/sse?agentId=…  + bearer
                   (docs/operations.md: connecting an existing Coral agent)
  database         ${topology.databaseUrl}${replicaLine}
  AWS emulator     ${topology.aws ? topology.aws.endpoint : 'off (--aws to start one; metrics go to the cron-worker logs as EMF)'}
  secrets          ${path.join(dataDir, 'secrets.json')}
    AGENT_SECRET_* one per agent in secrets.json (agentSecrets; the gateway gets all, each agent its own)
    CRON_SECRET    ${secrets.cronSecret}   (curl -X POST -H "authorization: Bearer $CRON_SECRET" ${topology.url}/api/cron/pool-health)
    OPS_TOKEN      ${secrets.opsToken}   (for ${topology.url}/ops)
    TOKEN_SECRET   in secrets.json (signs player tokens)
  logs             ${logDir}/

Pools:`);
  const last = await printStatus(topology);
  console.log('\nCtrl-C stops everything; the next npm start continues on the same data.');

  const running = topology;
  const timer = setInterval(() => {
    void (async () => {
      if (stopping) return;
      for (const task of running.tasks) {
        let health;
        try {
          health = await fetchHealth(task.url, topology.secrets.opsToken);
        } catch (error) {
          const key = `${task.taskId} down`;
          if (!last.has(key))
            console.log(`[status] ${task.taskId} not answering: ${(error as Error).message}`);
          last.set(key, 'down');
          continue;
        }
        last.delete(`${task.taskId} down`);
        for (const pool of health.pools) {
          const key = `${task.taskId} ${pool.pool}`;
          const line = poolStatusLine(pool, AGENT_IDS.length);
          const before = last.get(key);
          // Thread counts move all the time; report readiness changes only.
          if (before !== undefined && before.split(/\s+/)[1] !== line.split(/\s+/)[1]) {
            console.log(`[status] ${task.taskId} ${line}`);
          }
          last.set(key, line);
        }
      }
    })();
  }, STATUS_POLL_MS);
  // The timer also keeps this process alive until a signal.
  void timer;
  console.log(`Processes that die are restarted with backoff; their logs are in ${logDir}/`);
}

/** What a newcomer should do about a start-up failure, when we know. */
function advice(error: unknown): string | undefined {
  if (!(error instanceof PortInUseError)) return undefined;
  const flag = error.role === 'database' ? '--db-port' : '--port';
  return `Stop the other program (another npm start?) or choose free ports, e.g. npm start -- ${flag} ${error.port + 10}`;
}

main(process.argv).catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  const hint = advice(error);
  if (hint) console.error(hint);
  process.exit(1);
});
