import {
  DEFAULT_ADMISSION_MODEL,
  DEFAULT_POOLING_SETTINGS,
  cpuThreadsPerPool,
  fleetCapacity,
  formatLatencyDistribution,
  maxThreadsPerPool,
  parseLatencyDistribution,
  type AdmissionModel,
  type FleetCapacity,
} from '@pardon/pooling';
import { GAME_AGENT_IDS } from '@pardon/coral';
import { isAddress } from '@pardon/solana';
import { z } from 'zod';

/** Why `spec` is not a latency, or undefined when it is one. */
function latencyProblem(spec: string): string | undefined {
  try {
    parseLatencyDistribution(spec);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const latencySpec = z.string().superRefine((spec, ctx) => {
  const problem = latencyProblem(spec);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * The capacity settings infra needs: pools per task (every agent connects to each), the service's
 * task range, and what a pool's threads are sized from — libs/pooling's admission model on the
 * agents' concurrency (`AGENT_CONCURRENCY` of the agents and the gateway) and the LLM's latency.
 * `threadsPerPool` (the gateway's `POOL_CAPACITY`) is the model's figure unless set.
 */
export const CapacitySchema = z.object({
  poolsPerTask: z.number().int().min(1).max(20),
  /** Overrides the model's threads per pool; leave it out to follow the four settings below. */
  threadsPerPool: z.number().int().min(1).optional(),
  /** Replies each agent works on at once per pool. */
  agentConcurrency: z.number().int().min(1).max(1000),
  /** The LLM's time per reply, in the agents' AGENT_LATENCY_MS grammar (plus exponential:<mean>). */
  llmLatency: latencySpec,
  /** Between two messages of one thread: the player's think time plus the reply. */
  messageIntervalMs: z.number().int().min(1),
  /** P95 of player message → agent reply the pools are sized for. */
  replyP95TargetMs: z.number().int().min(1),
  /** The gateway's CPU per player message and its reply, in ms: one event loop, one core. */
  gatewayCpuMsPerReply: z.number().positive(),
  /** The task's CPU per message and reply (gateway, six agents, cron-worker), in ms: 2 vCPU. */
  taskCpuMsPerReply: z.number().positive(),
  /** CPU the threads may use, in %: above the scale-out threshold, so tasks are added first. */
  maxCpuPercent: z.number().min(1).max(100),
  tasksMin: z.number().int().min(1),
  tasksMax: z.number().int().min(1),
});
export type Capacity = z.infer<typeof CapacitySchema>;

export const DEFAULT_CAPACITY: Capacity = {
  poolsPerTask: DEFAULT_POOLING_SETTINGS.poolsPerTask,
  agentConcurrency: DEFAULT_ADMISSION_MODEL.agentConcurrency,
  llmLatency: formatLatencyDistribution(DEFAULT_ADMISSION_MODEL.llmLatency),
  messageIntervalMs: DEFAULT_ADMISSION_MODEL.messageIntervalMs,
  replyP95TargetMs: DEFAULT_ADMISSION_MODEL.p95TargetMs,
  // Measured end to end by `npm run capacity` (docs/capacity.md, 2026-12-02 07:39Z): gateway 5.6 /
  // 4.6 / 4.3 ms, the task (gateway, six agents, cron-worker) 9.5 / 7.6 / 8.9 ms per reply at 500 /
  // 1,000 / 1,125 players; the defaults take the highest from 500 players up, rounded up.
  gatewayCpuMsPerReply: 6,
  taskCpuMsPerReply: 9.5,
  maxCpuPercent: 90,
  tasksMin: DEFAULT_POOLING_SETTINGS.minTasks,
  tasksMax: DEFAULT_POOLING_SETTINGS.maxTasks,
};

/** The admission model of a capacity: one queue per agent of the six (a thread has one agent). */
export function admissionModelOf(capacity: Capacity): AdmissionModel {
  return {
    agentConcurrency: capacity.agentConcurrency,
    agentsPerPool: GAME_AGENT_IDS.length,
    llmLatency: parseLatencyDistribution(capacity.llmLatency),
    messageIntervalMs: capacity.messageIntervalMs,
    p95TargetMs: capacity.replyP95TargetMs,
  };
}

export interface PoolSizing {
  /** What the gateway's POOL_CAPACITY is: the smallest of the bounds, or `threadsPerPool` when set. */
  readonly threadsPerPool: number;
  /** libs/pooling's admission model: the agents' concurrency against the LLM's latency. */
  readonly modelThreadsPerPool: number;
  /** The gateway's one event loop: one core within `maxCpuPercent` at `gatewayCpuMsPerReply`. */
  readonly gatewayCpuThreadsPerPool: number;
  /** The whole task: its vCPUs within `maxCpuPercent` at `taskCpuMsPerReply`. */
  readonly taskCpuThreadsPerPool: number;
  readonly limitedBy: 'threadsPerPool' | 'model' | 'gateway_cpu' | 'task_cpu';
}

/** Threads per pool of a config and the bounds they come from. */
export function poolSizingOf(config: Pick<EnvConfig, 'capacity' | 'taskCpu'>): PoolSizing {
  const c = config.capacity;
  const budget = (cpuMsPerReply: number, cores: number) =>
    cpuThreadsPerPool({
      cpuMsPerReply,
      cores,
      maxUtilisation: c.maxCpuPercent / 100,
      messageIntervalMs: c.messageIntervalMs,
      pools: c.poolsPerTask,
    });
  const bounds = {
    model: maxThreadsPerPool(admissionModelOf(c)),
    gateway_cpu: budget(c.gatewayCpuMsPerReply, 1),
    task_cpu: budget(c.taskCpuMsPerReply, config.taskCpu / 1024),
  };
  const [limitedBy, threads] = (
    Object.entries(bounds) as Array<[keyof typeof bounds, number]>
  ).reduce((min, bound) => (bound[1] < min[1] ? bound : min));
  return {
    threadsPerPool: c.threadsPerPool ?? threads,
    modelThreadsPerPool: bounds.model,
    gatewayCpuThreadsPerPool: bounds.gateway_cpu,
    taskCpuThreadsPerPool: bounds.task_cpu,
    limitedBy: c.threadsPerPool === undefined ? limitedBy : 'threadsPerPool',
  };
}

/** Threads per pool (the gateway's POOL_CAPACITY): `threadsPerPool` when set, else the bounds'. */
export function threadsPerPoolOf(config: Pick<EnvConfig, 'capacity' | 'taskCpu'>): number {
  return poolSizingOf(config).threadsPerPool;
}

/** Concurrent players (one open thread each) per pool, per task and at tasksMin / tasksMax. */
export function fleetCapacityOf(config: Pick<EnvConfig, 'capacity' | 'taskCpu'>): FleetCapacity {
  return fleetCapacity({
    ...DEFAULT_POOLING_SETTINGS,
    poolsPerTask: config.capacity.poolsPerTask,
    threadsPerPool: threadsPerPoolOf(config),
    minTasks: config.capacity.tasksMin,
    maxTasks: config.capacity.tasksMax,
  });
}

/** Docker image tag rules: 1–128 chars of [A-Za-z0-9_.-], not starting with '.' or '-'. */
export const IMAGE_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const ImageTagSchema = z
  .string()
  .regex(
    IMAGE_TAG_PATTERN,
    'an image tag is 1–128 characters of A-Z a-z 0-9 _ . - and cannot start with . or -',
  );

export const ENV_NAMES = ['dev', 'staging', 'prod'] as const;
export const EnvNameSchema = z.enum(ENV_NAMES);
export type EnvName = z.infer<typeof EnvNameSchema>;

/** A Solana address as text: base58 (no 0, O, I, l), 32–44 characters (libs/db wallet.ts). */
export const BASE58_ADDRESS_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

const requiredWithRpc = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `required when payments.chain is rpc: ${what}` : undefined;

const solanaAddress = (what: string) =>
  z
    .string({ error: requiredWithRpc(`the base58 address of ${what}`) })
    .regex(
      BASE58_ADDRESS_PATTERN,
      'a base58 Solana address: 32–44 characters of 1-9 A-H J-N P-Z a-k m-z',
    )
    // The check the gateway and the cron-worker run at start (libs/payments settings.ts).
    .refine(
      (v) => !BASE58_ADDRESS_PATTERN.test(v) || isAddress(v),
      'not a Solana address: the base58 text does not decode to 32 bytes',
    );

/**
 * Clusters a deployed fleet can pay on. `local` (tools/local-chain) is for `npm start` and tests:
 * no task in AWS can reach it.
 */
export const PAYMENT_CLUSTERS = ['devnet', 'testnet', 'mainnet-beta'] as const;

/**
 * Premium payments (libs/payments `parsePaymentEnv`): `off` (the default) or verified on a Solana
 * cluster over JSON-RPC. The RPC URL is not here: it often carries a provider key, so it is the
 * operator-supplied secret `solana-rpc-url`.
 */
export const PaymentsSchema = z.discriminatedUnion(
  'chain',
  [
    z.object({ chain: z.literal('off') }),
    z.object({
      chain: z.literal('rpc'),
      cluster: z.enum(PAYMENT_CLUSTERS, {
        error: (issue) =>
          issue.input === undefined
            ? 'required when payments.chain is rpc: devnet, testnet or mainnet-beta'
            : 'devnet, testnet or mainnet-beta (a deployed fleet cannot reach a local chain)',
      }),
      /** Commitment a transfer must have reached; `finalized` for large amounts. */
      commitment: z.enum(['processed', 'confirmed', 'finalized']).default('confirmed'),
      mint: solanaAddress('the token mint'),
      treasury: solanaAddress('the treasury wallet'),
      symbol: z.string().min(1).max(16).default('PARDON'),
      /** How long a payment request stays payable (PAYMENT_INTENT_TTL_MS). */
      intentTtlMinutes: z.number().int().min(1).max(1440).default(10),
    }),
  ],
  {
    error: (issue) =>
      typeof issue.input !== 'object' || issue.input === null || Array.isArray(issue.input)
        ? 'an object: { "chain": "off" } or { "chain": "rpc", "cluster", "mint", "treasury", … }'
        : '"off" or "rpc"',
  },
);
export type Payments = z.infer<typeof PaymentsSchema>;

const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'a CIDR block like 10.0.0.0/16');

/** One typed config per environment; everything the desired state needs and nothing derived. */
export const EnvConfigSchema = z
  .object({
    env: EnvNameSchema,
    region: z.string().min(1),
    /** Availability zones: exactly two (DESIGN.md section 7). */
    availabilityZones: z.tuple([z.string().min(1), z.string().min(1)]),
    vpcCidr: cidr,
    publicSubnetCidrs: z.tuple([cidr, cidr]),
    privateSubnetCidrs: z.tuple([cidr, cidr]),
    /** Image repository without tag, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/pardon. */
    imageRepository: z.string().min(1),
    /** Tag used by the first `apply`; later tags come from `deploy`. */
    initialImageTag: ImageTagSchema,
    /** ACM certificate for the HTTPS listener. */
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:(acm|iam):/, 'an ACM (or IAM server) certificate ARN'),
    taskCpu: z.literal(2048),
    taskMemoryMiB: z.literal(8192),
    capacity: CapacitySchema,
    scaling: z.object({
      scaleOutCpuPercent: z.number().min(1).max(100),
      scaleOutMinutes: z.number().int().min(1),
      scaleInCpuPercent: z.number().min(1).max(100),
      scaleInMinutes: z.number().int().min(1),
      cooldownSeconds: z.number().int().min(0),
    }),
    stickinessSeconds: z.number().int().min(1).max(604800),
    db: z.object({
      engineVersion: z.string().min(1),
      instanceClass: z.string().min(1),
      allocatedStorageGiB: z.number().int().min(20),
      backupRetentionDays: z.number().int().min(1).max(35),
      multiAz: z.boolean(),
      readReplica: z.boolean(),
      databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
      masterUsername: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/),
      /** Free storage below which the alarm fires. */
      freeStorageAlarmBytes: z.number().int().min(1),
    }),
    logRetentionDays: z.union([
      z.literal(1),
      z.literal(3),
      z.literal(5),
      z.literal(7),
      z.literal(14),
      z.literal(30),
      z.literal(60),
      z.literal(90),
      z.literal(180),
      z.literal(365),
    ]),
    secretRotationDays: z.number().int().min(1).max(1000),
    /** Lambda that rotates generated secrets; without it rotation stays off (the API requires one). */
    rotationLambdaArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:lambda:/)
      .optional(),
    alarmEmail: z.email().optional(),
    /** Agent brains: scripted (default, no LLM) or an OpenAI-compatible model with the llm-api-key secret. */
    agents: z
      .object({ brain: z.enum(['scripted', 'openai']), modelName: z.string().min(1).optional() })
      .default({ brain: 'scripted' }),
    /** Premium payments; off unless an operator sets the mint and treasury (and solana-rpc-url). */
    payments: PaymentsSchema.default({ chain: 'off' }),
    /** Command of the one-off migration task (runs in the gateway container image). */
    migrateCommand: z.array(z.string().min(1)).min(1),
  })
  .superRefine((c, ctx) => {
    if (c.capacity.tasksMin > c.capacity.tasksMax) {
      ctx.addIssue({
        code: 'custom',
        path: ['capacity', 'tasksMin'],
        message: 'tasksMin exceeds tasksMax',
      });
    }
    if (
      c.capacity.threadsPerPool === undefined &&
      latencyProblem(c.capacity.llmLatency) === undefined &&
      threadsPerPoolOf(c) === 0
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['capacity', 'llmLatency'],
        message: `the LLM alone misses replyP95TargetMs (${c.capacity.replyP95TargetMs} ms): the model admits no thread; set capacity.threadsPerPool or a reachable target`,
      });
    }
    if (c.agents.brain === 'openai' && !c.agents.modelName) {
      ctx.addIssue({
        code: 'custom',
        path: ['agents', 'modelName'],
        message: 'required when agents.brain is openai',
      });
    }
    if (c.capacity.maxCpuPercent <= c.scaling.scaleOutCpuPercent) {
      ctx.addIssue({
        code: 'custom',
        path: ['capacity', 'maxCpuPercent'],
        message: 'must be above scaling.scaleOutCpuPercent: tasks are added before pools fill',
      });
    }
    if (c.scaling.scaleInCpuPercent >= c.scaling.scaleOutCpuPercent) {
      ctx.addIssue({
        code: 'custom',
        path: ['scaling', 'scaleInCpuPercent'],
        message: 'scale-in threshold must be below the scale-out threshold',
      });
    }
  });
export type EnvConfig = z.infer<typeof EnvConfigSchema>;

const base = {
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'] as [string, string],
  imageRepository: '000000000000.dkr.ecr.eu-west-1.amazonaws.com/pardon',
  initialImageTag: 'bootstrap',
  taskCpu: 2048 as const,
  taskMemoryMiB: 8192 as const,
  capacity: DEFAULT_CAPACITY,
  scaling: {
    scaleOutCpuPercent: 70,
    scaleOutMinutes: 2,
    scaleInCpuPercent: 30,
    scaleInMinutes: 5,
    cooldownSeconds: 120,
  },
  stickinessSeconds: 3600,
  db: {
    engineVersion: '16.4',
    instanceClass: 'db.t4g.medium',
    allocatedStorageGiB: 50,
    backupRetentionDays: 7,
    multiAz: true,
    readReplica: true,
    databaseName: 'pardon',
    masterUsername: 'pardon',
    freeStorageAlarmBytes: 5 * 1024 ** 3,
  },
  logRetentionDays: 30 as const,
  secretRotationDays: 90,
  // No PARDON mint or treasury is known for any environment yet: payments stay off everywhere
  // until an operator sets them in the overrides file (apps/infra README, Premium payments).
  payments: { chain: 'off' as const },
  migrateCommand: [
    'npx',
    'prisma',
    'migrate',
    'deploy',
    '--schema',
    'libs/db/prisma/schema.prisma',
  ],
};

/**
 * The three environments. They differ in addressing and certificate only: staging and dev are
 * production-shaped on purpose, so what passes there is what runs in prod.
 */
export const ENVIRONMENTS: Record<EnvName, EnvConfig> = {
  dev: EnvConfigSchema.parse({
    ...base,
    env: 'dev',
    vpcCidr: '10.10.0.0/16',
    publicSubnetCidrs: ['10.10.0.0/24', '10.10.1.0/24'],
    privateSubnetCidrs: ['10.10.10.0/24', '10.10.11.0/24'],
    certificateArn: 'arn:aws:acm:eu-west-1:000000000000:certificate/pardon-dev',
  }),
  staging: EnvConfigSchema.parse({
    ...base,
    env: 'staging',
    vpcCidr: '10.20.0.0/16',
    publicSubnetCidrs: ['10.20.0.0/24', '10.20.1.0/24'],
    privateSubnetCidrs: ['10.20.10.0/24', '10.20.11.0/24'],
    certificateArn: 'arn:aws:acm:eu-west-1:000000000000:certificate/pardon-staging',
  }),
  prod: EnvConfigSchema.parse({
    ...base,
    env: 'prod',
    vpcCidr: '10.30.0.0/16',
    publicSubnetCidrs: ['10.30.0.0/24', '10.30.1.0/24'],
    privateSubnetCidrs: ['10.30.10.0/24', '10.30.11.0/24'],
    certificateArn: 'arn:aws:acm:eu-west-1:000000000000:certificate/pardon-prod',
    logRetentionDays: 90,
  }),
};
