// The whole game on one machine: PostgreSQL (embedded, or a URL; optionally with a streaming read
// replica), migrations, N gateway processes as N tasks, the six agents on every task, cron-workers and optionally the AWS emulator. Used by
// `npm start`, the integration suite and the load test.
import path from 'node:path';
import {
  applyMigrations,
  awsEmulatorEnv,
  freePort,
  startAwsEmulator,
  startPostgresServer,
  startStreamingReplica,
  type AwsEmulator,
  type PostgresReplica,
  type PostgresServer,
} from '@pardon/test-env';
import { startLocalChain, type LocalChain } from '@pardon/local-chain';
import pg from 'pg';
import { prepareApps, type AppBundles } from './bundles';
import { fetchHealth, type Health } from './health';
import { assertPortFree } from './ports';
import { ProcessGroup, waitUntil, type ManagedProcess } from './processes';
import { gatewayAgentSecretsEnv, generateSecrets, type LocalSecrets } from './secrets';
import { Supervisor, type SupervisorOptions } from './supervisor';
import { BALANCER_SOURCE_ADDRESS, startStickyProxy, type StickyProxy } from './sticky-proxy';
import { GAME_AGENT_IDS } from '@pardon/coral';

/** The six agents of the game (apps/agents personas). */
export const AGENT_IDS = GAME_AGENT_IDS;
export type AgentId = (typeof AGENT_IDS)[number];

type Env = Record<string, string | undefined>;

export interface TopologyOptions {
  /** Gateway processes, each an ECS task with its own agents. Default 1. */
  tasks?: number;
  /** Pools per task. Default 5. */
  pools?: number;
  /** Cron-worker processes (every ECS task runs one). Default: one per task. */
  cronWorkers?: number;
  /**
   * Where PostgreSQL comes from: `{ url }` for a server you run (must allow the migrations), else
   * an embedded server (`dataDir` keeps the data across runs; default a temp dir; `port` default free).
   */
  postgres?:
    | { url: string }
    | {
        dataDir?: string;
        port?: number;
        /** Server settings of the embedded PostgreSQL (`-c name=value`). */
        settings?: Record<string, string>;
      };
  /**
   * Run a second PostgreSQL as a streaming hot standby of the embedded primary (`@pardon/test-env`)
   * and give every gateway its URL of the same database as `DATABASE_READ_URL` (the reads that may
   * lag: the leaderboard, the ops page); migrations and cron-workers keep the writer. A fresh base
   * backup each start, in a temp dir removed on stop; `port` default free. Not with
   * `postgres: { url }`. Default off.
   */
  replica?: boolean | { port?: number };
  /** Start the AWS emulator (`@pardon/test-env`) and point the cron-workers' metrics at it. */
  aws?: boolean;
  /**
   * Premium payments on a local Solana chain (`@pardon/local-chain`: LiteSVM behind a real
   * JSON-RPC server, in this process) with the game's token and a treasury; the gateways verify
   * on it and fund the page's local test wallet from its faucet. Default on.
   */
  payments?: boolean;
  /**
   * Port of the players' entry point: the gateway itself with one task, a sticky load balancer in
   * front of the tasks with more (the tasks then take the next ports). Default: free ports.
   */
  port?: number;
  /** Put the sticky load balancer in front even with one task. Default: only with more than one. */
  proxy?: boolean;
  /** Scripted brains' thinking time (`AGENT_LATENCY_MS` grammar). Default `1500`. */
  agentLatency?: string;
  /**
   * Generated per topology when absent. The gateway of every task gets each agent's secret as
   * `AGENT_SECRET_<ID>`; each agent process only its own, as `AGENT_SECRET`.
   */
  secrets?: LocalSecrets;
  /**
   * Node options of the gateway of each task (by index), e.g. `--inspect=127.0.0.1:<port>` so a
   * benchmark can profile it over the inspector (NODE_OPTIONS refuses `--cpu-prof`).
   */
  gatewayNodeArgs?: (taskIndex: number) => string[];
  /** The same for each agent process. */
  agentNodeArgs?: (agentId: AgentId, taskIndex: number) => string[];
  /** Extra environment per app (wins over the topology's). */
  env?: { gateway?: Env; agents?: Env; cronWorker?: Env };
  /** Each process's output is appended to `<logDir>/<name>.log`. */
  logDir?: string;
  /** Build the gateway's web pages (player page at `/`, `/ops`) and serve them. Default false. */
  web?: boolean;
  /** `bundle` (default: esbuild once, fast starts) or `tsx` (the sources as they are). */
  runner?: 'bundle' | 'tsx';
  /** `LOG_LEVEL` of every app. Default `info`. */
  logLevel?: string;
  /** Aborting stops the start at the next step and stops what was started (e.g. Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Restart what dies, like ECS (`npm start`): a task's gateway or agent, a cron-worker, with
   * backoff. Default off (tests that kill a process restart it themselves).
   */
  supervise?: boolean | SupervisorOptions;
  /** Called as each start step begins and ends (for a progress display). */
  onProgress?: (progress: { step: string; done: number; total: number }) => void;
}

/** One ECS task: a gateway and its six agents. */
export interface Task {
  readonly index: number;
  readonly taskId: string;
  readonly port: number;
  /** Base URL of this task's gateway. */
  readonly url: string;
  gateway: ManagedProcess;
  readonly agents: Map<AgentId, ManagedProcess>;
}

export interface Topology {
  /** What players use: the sticky load balancer, or the only gateway. */
  readonly url: string;
  readonly tasks: Task[];
  readonly proxy: StickyProxy | undefined;
  readonly cronWorkers: ManagedProcess[];
  readonly databaseUrl: string;
  /** The embedded server (stop/start it to simulate an outage); undefined for `{ url }`. */
  readonly postgres: PostgresServer | undefined;
  /**
   * The streaming standby of `postgres` with `replica` (pause its replay with `@pardon/test-env`'s
   * `pauseReplay` to make the gateways' reads lag); undefined without.
   */
  readonly replica: PostgresReplica | undefined;
  /** The gateways' `DATABASE_READ_URL` (the replica's `databaseUrl` database); undefined without. */
  readonly databaseReadUrl: string | undefined;
  readonly aws: AwsEmulator | undefined;
  /** The local Solana chain the payments settle on (with `payments`). */
  readonly chain: LocalChain | undefined;
  readonly secrets: LocalSecrets;
  readonly pools: string[];
  readonly group: ProcessGroup;
  /** Restarts what dies (with `supervise`); counts restarts per process and per task. */
  readonly supervisor: Supervisor | undefined;
  health(task?: Task): Promise<Health>;
  /** Starts a task's gateway again (same port and TASK_ID) after it died or was stopped. */
  restartGateway(task: Task): Promise<ManagedProcess>;
  /** Starts one agent of a task (again) and waits until it is connected to every pool. */
  startAgent(task: Task, agentId: AgentId): Promise<ManagedProcess>;
  /**
   * Stops the cron-workers and starts them again with `env` on top of their usual environment
   * (e.g. a shortened idle window); with no argument they get their usual environment back.
   */
  restartCronWorkers(env?: Env): Promise<ManagedProcess[]>;
  /** Stops everything this topology started, in reverse order; safe to call twice. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 8_000;
/** Slots of standbys that `@pardon/test-env` names `pardon_standby_<port>_<hex>`. */
const STANDBY_SLOT_PATTERN = 'pardon\\_standby\\_%';

/** The primary's settings for streaming (PostgreSQL 18's defaults, spelled out). */
const PRIMARY_REPLICATION_SETTINGS = {
  wal_level: 'replica',
  max_wal_senders: '10',
  max_replication_slots: '10',
  hot_standby: 'on',
};

/**
 * Drops standby slots nobody streams from: a run that was SIGKILLed along with its primary may not
 * have dropped its slot, which would keep the persistent primary's WAL forever.
 */
async function dropStaleStandbySlots(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
        WHERE slot_name LIKE $1 AND NOT active`,
      [STANDBY_SLOT_PATTERN],
    );
  } finally {
    await client.end();
  }
}

/** Starts the topology and waits until every pool of every task is ready. */
export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const taskCount = options.tasks ?? 1;
  const poolCount = options.pools ?? 5;
  const cronCount = options.cronWorkers ?? taskCount;
  const useProxy = options.proxy ?? taskCount > 1;
  const pools = Array.from({ length: poolCount }, (_, i) => `pool-${i}`);
  const secrets = options.secrets ?? generateSecrets();
  const logLevel = options.logLevel ?? 'info';
  const group = new ProcessGroup();

  const wantReplica = options.replica !== undefined && options.replica !== false;
  const replicaPort = typeof options.replica === 'object' ? options.replica.port : undefined;
  if (wantReplica && options.postgres && 'url' in options.postgres) {
    throw new Error(
      'a read replica follows the embedded PostgreSQL only, not postgres: { url } (drop replica)',
    );
  }
  const withPayments = options.payments !== false;
  const total =
    3 +
    (withPayments ? 1 : 0) +
    (wantReplica ? 1 : 0) +
    (options.aws ? 1 : 0) +
    taskCount * 2 +
    (cronCount > 0 ? 1 : 0) +
    (useProxy ? 1 : 0);
  let done = 0;
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    if (options.signal?.aborted) throw new Error('start aborted');
    options.onProgress?.({ step: name, done, total });
    const value = await run();
    done += 1;
    options.onProgress?.({ step: name, done, total });
    return value;
  };
  const logFile = (name: string) =>
    options.logDir ? path.join(options.logDir, `${name.replace(/\s+/g, '-')}.log`) : undefined;

  let postgres: PostgresServer | undefined;
  let replica: PostgresReplica | undefined;
  let aws: AwsEmulator | undefined;
  let chain: LocalChain | undefined;
  let apps: AppBundles | undefined;
  let proxy: StickyProxy | undefined;
  const tasks: Task[] = [];
  const cronWorkers: ManagedProcess[] = [];
  let stopped: Promise<void> | undefined;
  let supervisor: Supervisor | undefined;
  const deliberately = <T>(unit: string, fn: () => Promise<T>): Promise<T> =>
    supervisor ? supervisor.suspend(unit, fn) : fn();

  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      supervisor?.stop();
      await proxy?.close().catch(() => undefined);
      // Workers first (they call the gateways), then agents, then gateways, then the database.
      await Promise.all(cronWorkers.map((p) => p.stop(STOP_GRACE_MS)));
      await Promise.all(
        tasks.flatMap((t) => [...t.agents.values()].map((p) => p.stop(STOP_GRACE_MS))),
      );
      await Promise.all(tasks.map((t) => t.gateway.stop(STOP_GRACE_MS)));
      await group.stopAll(2_000);
      // The standby first (by its owner's PID): it drops its slot on the primary while that runs.
      await replica?.close().catch(() => undefined);
      await postgres?.close();
      await aws?.stop();
      await chain?.close();
      apps?.remove();
    })());

  try {
    // Ports asked for by number must be free before anything starts (see assertPortFree).
    if (options.port !== undefined) {
      const behindProxy = useProxy ? 1 : 0;
      for (let i = 0; i < taskCount + behindProxy; i += 1) {
        await assertPortFree(options.port + i, i === 0 ? 'players' : `task-${i + 1 - behindProxy}`);
      }
    }
    if (options.postgres && !('url' in options.postgres) && options.postgres.port !== undefined) {
      await assertPortFree(options.postgres.port, 'database');
    }
    if (replicaPort !== undefined) await assertPortFree(replicaPort, 'read replica');
    const databaseUrl = await step('PostgreSQL', async () => {
      if (options.postgres && 'url' in options.postgres) return options.postgres.url;
      const embedded = options.postgres ?? {};
      postgres = await startPostgresServer({
        ...(embedded.dataDir ? { dataDir: embedded.dataDir } : {}),
        ...(embedded.port ? { port: embedded.port } : {}),
        settings: {
          ...(wantReplica ? PRIMARY_REPLICATION_SETTINGS : {}),
          ...embedded.settings,
        },
      });
      return postgres.url;
    });
    await step('migrations', () => applyMigrations(databaseUrl));
    // After the migrations: the base backup has the schema, so the gateways never read a reader
    // without it. startStreamingReplica returns once the standby replays what the primary writes.
    const databaseReadUrl = wantReplica
      ? await step('read replica (streaming standby)', async () => {
          const primary = postgres as PostgresServer;
          await dropStaleStandbySlots(primary.adminUrl);
          replica = await startStreamingReplica(primary, {
            ...(replicaPort !== undefined ? { port: replicaPort } : {}),
          });
          return replica.url;
        })
      : undefined;
    if (options.aws) aws = await step('AWS emulator', () => startAwsEmulator());
    if (withPayments) chain = await step('local Solana chain (LiteSVM)', () => startLocalChain());
    const paymentEnv: Env = chain
      ? {
          PAYMENT_CHAIN: 'rpc',
          SOLANA_RPC_URL: chain.url,
          PAYMENT_CLUSTER: 'local',
          PAYMENT_MINT: chain.mint,
          PAYMENT_TREASURY: chain.treasury,
          PAYMENT_CURRENCIES: chain.mint,
        }
      : {};
    apps = await step(options.web ? 'app bundles and web pages' : 'app bundles', () =>
      prepareApps(options.runner, { web: options.web ?? false }),
    );
    const bundles = apps;

    const basePort = options.port;
    const ports: number[] = [];
    for (let i = 0; i < taskCount; i += 1) {
      ports.push(basePort !== undefined ? basePort + i + (useProxy ? 1 : 0) : await freePort());
    }

    const gatewayEnv = (index: number, port: number): Env => ({
      PORT: String(port),
      HOST: '127.0.0.1',
      POOL_COUNT: String(poolCount),
      // Every roster agent's own secret; each task holds the same ones, so an agent may join any.
      ...gatewayAgentSecretsEnv(secrets),
      TOKEN_SECRET: secrets.tokenSecret,
      CRON_SECRET: secrets.cronSecret,
      OPS_TOKEN: secrets.opsToken,
      TASK_ID: `task-${index + 1}`,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      // Lag-tolerant reads (leaderboard, ops page) from the standby; a player's own from the writer.
      ...(databaseReadUrl ? { DATABASE_READ_URL: databaseReadUrl } : {}),
      DATABASE_POOL_SIZE: '8',
      SHUTDOWN_TIMEOUT_MS: '5000',
      HEARTBEAT_INTERVAL_MS: '5000',
      // X-Forwarded-For is believed from the local balancer only (sticky-proxy.ts).
      TRUSTED_PROXIES: `${BALANCER_SOURCE_ADDRESS}/32`,
      LOG_LEVEL: logLevel,
      ...(bundles.webDir ? { WEB_DIR: bundles.webDir } : {}),
      ...paymentEnv,
      ...(chain ? { PAYMENT_LOCAL_FAUCET_URL: `${chain.url}/faucet` } : {}),
      ...options.env?.gateway,
    });
    const startGateway = (index: number, port: number): Promise<ManagedProcess> => {
      const url = `http://127.0.0.1:${port}`;
      return group.start({
        name: `gateway task-${index + 1}`,
        entry: bundles.entry.gateway,
        tsconfig: bundles.tsconfig.gateway,
        nodeArgs: options.gatewayNodeArgs?.(index) ?? [],
        env: gatewayEnv(index, port),
        logFile: logFile(`gateway-task-${index + 1}`),
        // Our gateway, not whatever else answers on the port.
        ready: async () =>
          (await fetchHealth(url, secrets.opsToken)).taskId === `task-${index + 1}`,
      });
    };
    const agentProcess = (task: Task, agentId: AgentId): Promise<ManagedProcess> =>
      group.start({
        name: `${agentId} ${task.taskId}`,
        entry: bundles.entry.agents,
        tsconfig: bundles.tsconfig.agents,
        nodeArgs: options.agentNodeArgs?.(agentId, task.index) ?? [],
        env: {
          AGENT_ID: agentId,
          CORAL_SSE_URL: `${task.url}/sse/v1/devmode/pardon/local`,
          CORAL_SESSIONS: pools.join(','),
          // Its own secret only (the gateway tells the agents apart by it).
          AGENT_SECRET: secrets.agentSecrets[agentId],
          AGENT_LATENCY_MS: options.agentLatency ?? '1500',
          AGENT_SHUTDOWN_DRAIN_MS: '2000',
          AGENT_RECONNECT_MAX_MS: '2000',
          LOG_LEVEL: logLevel,
          ...options.env?.agents,
        },
        logFile: logFile(`${agentId}-${task.taskId}`),
        ready: async () => {
          const health = await fetchHealth(task.url, secrets.opsToken);
          return health.pools.every((p) => p.agentsConnected.includes(agentId));
        },
      });

    for (let i = 0; i < taskCount; i += 1) {
      const port = ports[i] as number;
      const gateway = await step(`gateway task-${i + 1}`, () => startGateway(i, port));
      tasks.push({
        index: i,
        taskId: `task-${i + 1}`,
        port,
        url: `http://127.0.0.1:${port}`,
        gateway,
        agents: new Map(),
      });
    }
    for (const task of tasks) {
      await step(`six agents on ${task.taskId}`, async () => {
        const started = await Promise.all(AGENT_IDS.map((id) => agentProcess(task, id)));
        started.forEach((proc, i) => task.agents.set(AGENT_IDS[i] as AgentId, proc));
        await waitUntil(
          `every pool of ${task.taskId} to be ready`,
          async () => {
            const health = await fetchHealth(task.url, secrets.opsToken);
            return health.pools.every((p) => p.ready);
          },
          30_000,
        );
      });
    }
    let cronExtra: Env = {};
    const startCronWorker = (i: number): Promise<ManagedProcess> =>
      group.start({
        name: `cron-worker ${i + 1}`,
        entry: bundles.entry['cron-worker'],
        tsconfig: bundles.tsconfig['cron-worker'],
        env: {
          DATABASE_URL: databaseUrl,
          WORKER_ID: `cron-worker-${i + 1}`,
          METRICS_SINK: aws ? 'cloudwatch' : 'emf',
          SHUTDOWN_GRACE_MS: '5000',
          LOG_LEVEL: logLevel,
          ...(aws ? awsEmulatorEnv(aws) : {}),
          ...paymentEnv,
          ...options.env?.cronWorker,
          ...cronExtra,
        },
        logFile: logFile(`cron-worker-${i + 1}`),
      });
    const startCronWorkers = async (extra: Env = {}): Promise<ManagedProcess[]> => {
      cronExtra = extra;
      const started: ManagedProcess[] = [];
      for (let i = 0; i < cronCount; i += 1) started.push(await startCronWorker(i));
      return started;
    };
    if (cronCount > 0) {
      await step('cron-workers', async () => {
        cronWorkers.push(...(await startCronWorkers()));
      });
    }
    if (useProxy) {
      proxy = await step('load balancer', () =>
        startStickyProxy({
          targets: tasks.map((t) => ({ id: t.taskId, url: t.url })),
          sourceAddress: BALANCER_SOURCE_ADDRESS,
          ...(basePort !== undefined ? { port: basePort } : {}),
        }),
      );
    }

    if (options.supervise) {
      supervisor = new Supervisor(options.supervise === true ? {} : options.supervise);
      for (const task of tasks) {
        supervisor.watch({
          name: `gateway ${task.taskId}`,
          group: task.taskId,
          current: () => task.gateway,
          start: async () => (task.gateway = await startGateway(task.index, task.port)),
        });
        for (const id of AGENT_IDS) {
          supervisor.watch({
            name: `${id} ${task.taskId}`,
            group: task.taskId,
            current: () => task.agents.get(id) as ManagedProcess,
            start: async () => {
              const proc = await agentProcess(task, id);
              task.agents.set(id, proc);
              return proc;
            },
          });
        }
      }
      cronWorkers.forEach((_, i) =>
        supervisor?.watch({
          name: `cron-worker ${i + 1}`,
          group: 'cron-workers',
          current: () => cronWorkers[i] as ManagedProcess,
          start: async () => (cronWorkers[i] = await startCronWorker(i)),
        }),
      );
    }

    const topology: Topology = {
      url: proxy ? proxy.url : (tasks[0] as Task).url,
      tasks,
      proxy,
      cronWorkers,
      databaseUrl,
      postgres,
      replica,
      databaseReadUrl,
      aws,
      chain,
      secrets,
      pools,
      group,
      supervisor,
      health: (task = tasks[0] as Task) => fetchHealth(task.url, secrets.opsToken),
      restartGateway: (task) =>
        deliberately(`gateway ${task.taskId}`, async () => {
          if (task.gateway.alive()) await task.gateway.stop(STOP_GRACE_MS);
          task.gateway = await startGateway(task.index, task.port);
          return task.gateway;
        }),
      startAgent: (task, agentId) =>
        deliberately(`${agentId} ${task.taskId}`, async () => {
          const previous = task.agents.get(agentId);
          if (previous?.alive()) await previous.stop(STOP_GRACE_MS);
          const proc = await agentProcess(task, agentId);
          task.agents.set(agentId, proc);
          return proc;
        }),
      restartCronWorkers: async (env) => {
        const all = cronWorkers.map((_, i) => `cron-worker ${i + 1}`);
        const run = async () => {
          await Promise.all(cronWorkers.map((p) => p.stop(STOP_GRACE_MS)));
          cronWorkers.splice(0, cronWorkers.length, ...(await startCronWorkers(env)));
          return cronWorkers;
        };
        // Every cron-worker's supervision is held while they are replaced.
        return all.reduce<() => Promise<ManagedProcess[]>>(
          (inner, unit) => () => deliberately(unit, inner),
          run,
        )();
      },
      stop,
    };
    return topology;
  } catch (error) {
    await stop();
    throw error;
  }
}
