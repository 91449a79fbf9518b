import { DEFAULT_POOLING_SETTINGS } from '@pardon/pooling';
import { isAddress } from '@pardon/solana';
import { z } from 'zod';

/**
 * The capacity settings infra needs: pools per task (every agent connects to each), threads per
 * pool, and the service's task range. Defaults come from libs/pooling, which owns the maths.
 */
export const CapacitySchema = z.object({
  poolsPerTask: z.number().int().min(1).max(20),
  threadsPerPool: z.number().int().min(1),
  tasksMin: z.number().int().min(1),
  tasksMax: z.number().int().min(1),
});
export type Capacity = z.infer<typeof CapacitySchema>;

export const DEFAULT_CAPACITY: Capacity = {
  poolsPerTask: DEFAULT_POOLING_SETTINGS.poolsPerTask,
  threadsPerPool: DEFAULT_POOLING_SETTINGS.threadsPerPool,
  tasksMin: DEFAULT_POOLING_SETTINGS.minTasks,
  tasksMax: DEFAULT_POOLING_SETTINGS.maxTasks,
};

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
    if (c.agents.brain === 'openai' && !c.agents.modelName) {
      ctx.addIssue({
        code: 'custom',
        path: ['agents', 'modelName'],
        message: 'required when agents.brain is openai',
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
