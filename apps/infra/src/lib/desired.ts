import { poolIds } from '@pardon/pooling';
import { threadsPerPoolOf, type EnvConfig } from './config';
import {
  type DesiredState,
  type Json,
  type Props,
  type Resource,
  type ResourceType,
  ref,
  topoSort,
} from './model';
import { GAME_AGENT_IDS } from '@pardon/coral';

/** The gateway's abuse limits, set explicitly in the task definition (gateway README). */
export const GATEWAY_LIMITS = {
  RATE_LIMIT_IP_PER_MIN: '600',
  RATE_LIMIT_WALLET_PER_MIN: '120',
  MAX_OPEN_THREADS_PER_WALLET: '6',
} as const;

export const AGENT_IDS = GAME_AGENT_IDS;

/**
 * The environment variable that carries an agent's own secret to the gateway (which holds them
 * all): `trump-donald` → `AGENT_SECRET_TRUMP_DONALD`. Same mapping as `agentSecretEnvName` of
 * libs/coral/src/lib/roster.ts, kept here while `@pardon/coral` does not export it; the gateway
 * reads exactly these names (apps/gateway/src/config.ts).
 */
export function agentSecretEnvName(agentId: string): string {
  return `AGENT_SECRET_${agentId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The variable an agent container reads its own (and only its own) secret from. */
export const AGENT_SECRET_ENV = 'AGENT_SECRET';

/** Shortest agent secret the gateway accepts (`MIN_AGENT_SECRET_CHARS` of @pardon/coral). */
export const MIN_AGENT_SECRET_CHARS = 32;

/** Length of the generated agent secrets: alphanumeric, above the gateway's minimum. */
export const AGENT_SECRET_LENGTH = 40;

/** Id of an agent's own secret (`infra secrets set`, resource `secret/ID`): `agent-secret-cz`. */
export function agentSecretId(agentId: string): string {
  return `agent-secret-${agentId}`;
}

export const GATEWAY_PORT = 5555;
export const POSTGRES_PORT = 5432;
/** Namespace of the custom metrics (the cron-worker's default, passed explicitly). */
export const METRICS_NAMESPACE = 'PardonSimulator';
export const GATEWAY_CONTAINER = 'gateway';
/** Container health check of the gateway: GET /health must answer 2xx within 4 s. */
export const HEALTH_CHECK_SCRIPT = `fetch('http://127.0.0.1:${GATEWAY_PORT}/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;

/** How a secret gets its value. */
export type SecretSource =
  | { kind: 'generated'; length: number }
  | { kind: 'operator' }
  | { kind: 'database-url'; instance: 'writer' | 'reader' };

export interface SecretSpec {
  /** Name used by `infra secrets set NAME` and in the resource key (`secret/NAME`). */
  id: string;
  description: string;
  source: SecretSource;
  /** Rotation interval; applied only where AWS allows it (generated secrets, with a rotation Lambda). */
  rotationDays: number | null;
}

/** Every secret the tasks read at start. Values never appear in the desired state or any output. */
export function secretSpecs(config: EnvConfig): SecretSpec[] {
  const rot = config.secretRotationDays;
  return [
    {
      id: 'db-master-password',
      description: 'RDS master password',
      source: { kind: 'generated', length: 32 },
      rotationDays: rot,
    },
    {
      id: 'database-url',
      description: 'PostgreSQL writer URL',
      source: { kind: 'database-url', instance: 'writer' },
      rotationDays: null,
    },
    {
      id: 'database-read-url',
      description: 'PostgreSQL read-replica URL',
      source: { kind: 'database-url', instance: 'reader' },
      rotationDays: null,
    },
    // One secret per roster agent: the agent holds its own, the gateway holds them all, so a
    // leaked secret lets its holder connect as that one agent only.
    ...AGENT_IDS.map((agentId): SecretSpec => ({
      id: agentSecretId(agentId),
      description: `Secret agent ${agentId} connects to the gateway with`,
      source: { kind: 'generated', length: AGENT_SECRET_LENGTH },
      rotationDays: rot,
    })),
    {
      id: 'cron-secret',
      description: 'Bearer token of /api/cron/*',
      source: { kind: 'generated', length: 40 },
      rotationDays: rot,
    },
    {
      id: 'ops-token',
      description: 'Bearer token of /metrics, /health agent detail and the ops API',
      source: { kind: 'generated', length: 40 },
      rotationDays: rot,
    },
    {
      id: 'token-secret',
      description: 'Signing key of player tokens',
      source: { kind: 'generated', length: 64 },
      rotationDays: rot,
    },
    {
      id: 'llm-api-key',
      description: 'OpenAI-compatible LLM key (set by the operator)',
      source: { kind: 'operator' },
      rotationDays: null,
    },
    {
      id: 'solana-rpc-url',
      description:
        'Solana JSON-RPC URL of premium payments, often with a provider key (set by the operator)',
      source: { kind: 'operator' },
      rotationDays: null,
    },
  ];
}

/** Resource naming: every physical name carries the environment. */
export function names(env: string) {
  const p = `pardon-${env}`;
  return {
    prefix: p,
    cluster: p,
    service: `${p}-app`,
    family: `${p}-app`,
    logGroup: `/ecs/${p}`,
    alb: `${p}-alb`,
    targetGroup: `${p}-tg`,
    db: `${p}-db`,
    dbReplica: `${p}-db-replica`,
    topic: `${p}-alarms`,
    dashboard: p,
    secret: (id: string) => `${p}/${id}`,
  };
}

function secretRef(id: string): Json {
  return ref(`secret/${id}`, 'arn');
}

/** Milliseconds per minute, for `payments.intentTtlMinutes` → `PAYMENT_INTENT_TTL_MS`. */
const MS_PER_MINUTE = 60_000;

/**
 * The payment variables of the gateway and the cron-worker (libs/payments `parsePaymentEnv`):
 * `PAYMENT_CHAIN=off` alone when payments are off, so those tasks start without any Solana setting.
 */
export function paymentEnvironment(config: EnvConfig): Record<string, string> {
  const p = config.payments;
  if (p.chain === 'off') return { PAYMENT_CHAIN: 'off' };
  return {
    PAYMENT_CHAIN: 'rpc',
    PAYMENT_CLUSTER: p.cluster,
    SOLANA_COMMITMENT: p.commitment,
    PAYMENT_MINT: p.mint,
    PAYMENT_TREASURY: p.treasury,
    PAYMENT_SYMBOL: p.symbol,
    PAYMENT_INTENT_TTL_MS: String(p.intentTtlMinutes * MS_PER_MINUTE),
  };
}

function containerDefinitions(config: EnvConfig, imageTag: string): Json[] {
  const n = names(config.env);
  const image = `${config.imageRepository}:${imageTag}`;
  const pools = poolIds(config.capacity.poolsPerTask).join(',');
  const logs = (stream: string): Json => ({
    logDriver: 'awslogs',
    options: {
      'awslogs-group': n.logGroup,
      'awslogs-region': config.region,
      'awslogs-stream-prefix': stream,
    },
  });
  const secrets = (map: Record<string, string>): Json[] =>
    Object.entries(map).map(([name, id]) => ({ name, valueFrom: secretRef(id) }));
  const env = (map: Record<string, string>): Json[] =>
    Object.entries(map).map(([name, value]) => ({ name, value }));

  // Variable names are those of each app's env schema (apps/*/src/**/config.ts).
  const payments = paymentEnvironment(config);
  // The RPC URL is referenced only when payments use it, so tasks with payments off start
  // without a value in solana-rpc-url (as scripted agents do without llm-api-key).
  const rpcUrl: Record<string, string> =
    config.payments.chain === 'rpc' ? { SOLANA_RPC_URL: 'solana-rpc-url' } : {};
  const gateway: Json = {
    name: GATEWAY_CONTAINER,
    image,
    essential: true,
    cpu: 512,
    memoryReservation: 2048,
    command: ['node', 'dist/apps/gateway/main.cjs'],
    portMappings: [{ containerPort: GATEWAY_PORT, protocol: 'tcp' }],
    environment: env({
      HOST: '0.0.0.0',
      PORT: String(GATEWAY_PORT),
      POOL_COUNT: String(config.capacity.poolsPerTask),
      // Sized by the admission model; the model's inputs go along so /health and the start-up
      // line show what the capacity came from.
      POOL_CAPACITY: String(threadsPerPoolOf(config)),
      AGENT_CONCURRENCY: String(config.capacity.agentConcurrency),
      LLM_LATENCY_MS: config.capacity.llmLatency,
      PLAYER_MESSAGE_INTERVAL_MS: String(config.capacity.messageIntervalMs),
      REPLY_P95_TARGET_MS: String(config.capacity.replyP95TargetMs),
      GATEWAY_CPU_MS_PER_REPLY: String(config.capacity.gatewayCpuMsPerReply),
      GATEWAY_CPU_MAX_PERCENT: String(config.capacity.maxCpuPercent),
      // The ALB connects from inside the VPC: only it may name the client (X-Forwarded-For), so
      // the per-IP limit is per player, never per balancer node (docs/operations.md, Security model).
      TRUSTED_PROXIES: config.vpcCidr,
      ...GATEWAY_LIMITS,
      ...payments,
      NODE_ENV: 'production',
    }),
    secrets: secrets({
      DATABASE_URL: 'database-url',
      DATABASE_READ_URL: 'database-read-url',
      // Every roster agent's secret, each under its own name: the gateway checks who connects.
      ...Object.fromEntries(AGENT_IDS.map((id) => [agentSecretEnvName(id), agentSecretId(id)])),
      CRON_SECRET: 'cron-secret',
      OPS_TOKEN: 'ops-token',
      TOKEN_SECRET: 'token-secret',
      ...rpcUrl,
    }),
    healthCheck: {
      // Node itself does the check: the image needs no curl.
      command: ['CMD', 'node', '-e', HEALTH_CHECK_SCRIPT],
      interval: 15,
      timeout: 5,
      retries: 3,
      startPeriod: 30,
    },
    logConfiguration: logs('gateway'),
  };
  const llm = config.agents.brain === 'openai';
  const agents: Json[] = AGENT_IDS.map((id) => ({
    name: `agent-${id}`,
    image,
    essential: true,
    cpu: 192,
    memoryReservation: 768,
    command: ['node', 'dist/apps/agents/main.cjs'],
    environment: env({
      AGENT_ID: id,
      CORAL_SSE_URL: `http://localhost:${GATEWAY_PORT}/sse/v1/devmode/pardon/${config.env}`,
      CORAL_SESSIONS: pools,
      // The concurrency the gateway's POOL_CAPACITY was sized by.
      AGENT_CONCURRENCY: String(config.capacity.agentConcurrency),
      AGENT_BRAIN: config.agents.brain,
      ...(llm && config.agents.modelName ? { MODEL_NAME: config.agents.modelName } : {}),
      NODE_ENV: 'production',
    }),
    // Each agent gets its own secret only. The LLM key is referenced only when agents use it, so
    // scripted agents start without it.
    secrets: secrets({
      [AGENT_SECRET_ENV]: agentSecretId(id),
      ...(llm ? { MODEL_API_KEY: 'llm-api-key' } : {}),
    }),
    dependsOn: [{ containerName: GATEWAY_CONTAINER, condition: 'HEALTHY' }],
    logConfiguration: logs(`agent-${id}`),
  }));
  const cron: Json = {
    name: 'cron-worker',
    image,
    essential: true,
    cpu: 256,
    memoryReservation: 512,
    command: ['node', 'dist/apps/cron-worker/main.cjs'],
    environment: env({
      METRICS_SINK: 'cloudwatch',
      METRICS_NAMESPACE,
      AWS_REGION: config.region,
      ...payments,
      // PaymentVolume always reports the mint, zero on a day without payments.
      ...(config.payments.chain === 'rpc' ? { PAYMENT_CURRENCIES: config.payments.mint } : {}),
      NODE_ENV: 'production',
    }),
    // The ops token lets pool-health read which agents each task has (docs/operations.md).
    secrets: secrets({ DATABASE_URL: 'database-url', OPS_TOKEN: 'ops-token', ...rpcUrl }),
    dependsOn: [{ containerName: GATEWAY_CONTAINER, condition: 'HEALTHY' }],
    logConfiguration: logs('cron-worker'),
  };
  return [gateway, ...agents, cron];
}

function alarm(
  key: string,
  name: string,
  p: {
    description: string;
    namespace: string;
    metric: string;
    statistic: string;
    dimensions: Json[];
    periodSeconds: number;
    evaluationPeriods: number;
    threshold: number;
    comparison: string;
    actions: Json[];
    treatMissingData?: string;
  },
): Resource {
  return {
    key: `alarm/${key}`,
    type: 'alarm',
    name,
    dependsOn: [],
    props: {
      description: p.description,
      namespace: p.namespace,
      metricName: p.metric,
      statistic: p.statistic,
      dimensions: p.dimensions,
      period: p.periodSeconds,
      evaluationPeriods: p.evaluationPeriods,
      threshold: p.threshold,
      comparisonOperator: p.comparison,
      alarmActions: p.actions,
      treatMissingData: p.treatMissingData ?? 'missing',
    },
  };
}

const dim = (name: string, value: Json): Json => ({ name, value });

function dashboardBody(config: EnvConfig): Json {
  const n = names(config.env);
  const region = config.region;
  const ecs = ['ClusterName', n.cluster, 'ServiceName', n.service];
  const alb = ['LoadBalancer', ref('load-balancer', 'arnSuffix')];
  const widget = (
    title: string,
    x: number,
    y: number,
    metrics: Json[],
    stat = 'Average',
  ): Json => ({
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region, stat, period: 60, view: 'timeSeries', metrics },
  });
  return {
    widgets: [
      widget('ECS CPU and memory (%)', 0, 0, [
        ['AWS/ECS', 'CPUUtilization', ...ecs],
        ['AWS/ECS', 'MemoryUtilization', ...ecs],
      ]),
      widget('Running tasks', 12, 0, [['ECS/ContainerInsights', 'RunningTaskCount', ...ecs]]),
      widget('ALB target response time p95 / p99 (s)', 0, 6, [
        ['AWS/ApplicationELB', 'TargetResponseTime', ...alb, { stat: 'p95' }],
        ['AWS/ApplicationELB', 'TargetResponseTime', ...alb, { stat: 'p99' }],
      ]),
      widget(
        'ALB requests and 5XX',
        12,
        6,
        [
          ['AWS/ApplicationELB', 'RequestCount', ...alb],
          ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', ...alb],
          ['AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', ...alb],
        ],
        'Sum',
      ),
      widget('RDS CPU (%) and connections', 0, 12, [
        ['AWS/RDS', 'CPUUtilization', 'DBInstanceIdentifier', n.db],
        ['AWS/RDS', 'DatabaseConnections', 'DBInstanceIdentifier', n.db],
        ['AWS/RDS', 'ReplicaLag', 'DBInstanceIdentifier', n.dbReplica],
      ]),
      {
        type: 'metric',
        x: 0,
        y: 18,
        width: 12,
        height: 6,
        properties: {
          title: 'Pool health (1 = healthy), per pool',
          region,
          view: 'timeSeries',
          period: 300,
          metrics: [
            [
              {
                expression: `SEARCH('{${METRICS_NAMESPACE},Pool} MetricName="PoolHealthy"', 'Minimum', 300)`,
                id: 'health',
              },
            ],
          ],
        },
      },
      {
        type: 'metric',
        x: 12,
        y: 18,
        width: 12,
        height: 6,
        properties: {
          title: 'Active threads and sessions',
          region,
          view: 'timeSeries',
          period: 60,
          metrics: [
            [
              {
                expression: `SUM(SEARCH('{${METRICS_NAMESPACE},Pool,TaskId} MetricName="ActiveThreads"', 'Average', 60))`,
                id: 'threads',
                label: 'ActiveThreads',
              },
            ],
            [
              {
                expression: `SUM(SEARCH('{${METRICS_NAMESPACE},Pool,TaskId} MetricName="ActiveSessions"', 'Average', 60))`,
                id: 'sessions',
                label: 'ActiveSessions',
              },
            ],
          ],
        },
      },
      widget(
        'RDS free storage (bytes)',
        12,
        12,
        [['AWS/RDS', 'FreeStorageSpace', 'DBInstanceIdentifier', n.db]],
        'Minimum',
      ),
    ],
  };
}

export interface BuildOptions {
  /** Image tag of the task definition: the deployed one, or the config's initial tag. */
  imageTag: string;
}

/**
 * The whole environment as data: every resource and setting of DESIGN.md section 7, in
 * dependency order. Pure: same config and tag, same state.
 */
export function buildDesiredState(config: EnvConfig, options: BuildOptions): DesiredState {
  const n = names(config.env);
  const r: Resource[] = [];
  const add = (
    key: string,
    type: ResourceType,
    name: string,
    props: Props,
    dependsOn: string[] = [],
  ): void => {
    r.push({ key, type, name, props, dependsOn });
  };
  const azSuffix = ['a', 'b'] as const;

  // Network: 2 AZs, public subnets for the ALB and the NAT gateway, private ones for tasks and RDS.
  add('vpc', 'vpc', `${n.prefix}-vpc`, {
    cidrBlock: config.vpcCidr,
    enableDnsHostnames: true,
    enableDnsSupport: true,
  });
  azSuffix.forEach((s, i) => {
    add(`subnet/public-${s}`, 'subnet', `${n.prefix}-public-${s}`, {
      vpcId: ref('vpc'),
      cidrBlock: config.publicSubnetCidrs[i] as string,
      availabilityZone: config.availabilityZones[i] as string,
      mapPublicIpOnLaunch: false,
    });
    add(`subnet/private-${s}`, 'subnet', `${n.prefix}-private-${s}`, {
      vpcId: ref('vpc'),
      cidrBlock: config.privateSubnetCidrs[i] as string,
      availabilityZone: config.availabilityZones[i] as string,
      mapPublicIpOnLaunch: false,
    });
  });
  add('internet-gateway', 'internet-gateway', `${n.prefix}-igw`, { vpcId: ref('vpc') });
  add('elastic-ip/nat', 'elastic-ip', `${n.prefix}-nat`, { domain: 'vpc' });
  add(
    'nat-gateway',
    'nat-gateway',
    `${n.prefix}-nat`,
    {
      subnetId: ref('subnet/public-a'),
      allocationId: ref('elastic-ip/nat'),
    },
    ['internet-gateway'],
  );
  add('route-table/public', 'route-table', `${n.prefix}-public`, {
    vpcId: ref('vpc'),
    routes: [{ destinationCidrBlock: '0.0.0.0/0', gatewayId: ref('internet-gateway') }],
    subnetIds: [ref('subnet/public-a'), ref('subnet/public-b')],
  });
  add('route-table/private', 'route-table', `${n.prefix}-private`, {
    vpcId: ref('vpc'),
    routes: [{ destinationCidrBlock: '0.0.0.0/0', natGatewayId: ref('nat-gateway') }],
    subnetIds: [ref('subnet/private-a'), ref('subnet/private-b')],
  });

  // Security groups: the world reaches the ALB on 80/443 only; ALB → tasks on 5555; tasks → RDS on 5432.
  add('security-group/alb', 'security-group', `${n.prefix}-alb`, {
    vpcId: ref('vpc'),
    description: 'Pardon ALB: HTTP and HTTPS from anywhere',
    ingress: [
      { protocol: 'tcp', fromPort: 80, toPort: 80, cidrIp: '0.0.0.0/0' },
      { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIp: '0.0.0.0/0' },
    ],
  });
  add('security-group/tasks', 'security-group', `${n.prefix}-tasks`, {
    vpcId: ref('vpc'),
    description: 'Pardon tasks: gateway port from the ALB only',
    ingress: [
      {
        protocol: 'tcp',
        fromPort: GATEWAY_PORT,
        toPort: GATEWAY_PORT,
        sourceSecurityGroupId: ref('security-group/alb'),
      },
    ],
  });
  add('security-group/db', 'security-group', `${n.prefix}-db`, {
    vpcId: ref('vpc'),
    description: 'Pardon RDS: PostgreSQL from the tasks only',
    ingress: [
      {
        protocol: 'tcp',
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        sourceSecurityGroupId: ref('security-group/tasks'),
      },
    ],
  });

  add('log-group', 'log-group', n.logGroup, { retentionInDays: config.logRetentionDays });
  add('sns-topic', 'sns-topic', n.topic, { emailSubscription: config.alarmEmail ?? null });

  // Secrets first (no values here), then the roles that may read them.
  const secrets = secretSpecs(config);
  for (const s of secrets) {
    const deps =
      s.source.kind === 'database-url'
        ? [s.source.instance === 'writer' ? 'db-instance/writer' : 'db-instance/reader']
        : [];
    add(
      `secret/${s.id}`,
      'secret',
      n.secret(s.id),
      {
        description: s.description,
        source: s.source.kind,
        // Rotation needs a rotation Lambda; without one the secret is honestly not rotated (plan says so).
        rotationDays: s.rotationDays !== null && config.rotationLambdaArn ? s.rotationDays : null,
        rotationLambdaArn:
          s.rotationDays !== null && config.rotationLambdaArn ? config.rotationLambdaArn : null,
      },
      deps,
    );
  }

  const ecrArn = ecrRepositoryArn(config.imageRepository);
  add('iam-role/execution', 'iam-role', `${n.prefix}-execution`, {
    assumedBy: 'ecs-tasks.amazonaws.com',
    description: 'ECS agent: pull the image, write logs, read the secrets',
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'EcrAuth', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
        {
          Sid: 'Pull',
          Effect: 'Allow',
          Action: [
            'ecr:BatchCheckLayerAvailability',
            'ecr:BatchGetImage',
            'ecr:GetDownloadUrlForLayer',
          ],
          Resource: ecrArn,
        },
        {
          Sid: 'Logs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: ref('log-group', 'streamsArn'),
        },
        {
          Sid: 'Secrets',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: secrets.map((s) => secretRef(s.id)),
        },
      ],
    },
  });
  add('iam-role/task', 'iam-role', `${n.prefix}-task`, {
    assumedBy: 'ecs-tasks.amazonaws.com',
    description: 'Pardon containers: publish custom metrics',
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Metrics',
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricData'],
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
        },
      ],
    },
  });

  // Database: Multi-AZ writer in the private subnets plus a read replica.
  add('db-subnet-group', 'db-subnet-group', `${n.prefix}-db`, {
    description: 'Pardon RDS private subnets',
    subnetIds: [ref('subnet/private-a'), ref('subnet/private-b')],
  });
  add('db-instance/writer', 'db-instance', n.db, {
    engine: 'postgres',
    engineVersion: config.db.engineVersion,
    instanceClass: config.db.instanceClass,
    allocatedStorage: config.db.allocatedStorageGiB,
    storageEncrypted: true,
    multiAz: config.db.multiAz,
    backupRetentionPeriod: config.db.backupRetentionDays,
    publiclyAccessible: false,
    dbName: config.db.databaseName,
    masterUsername: config.db.masterUsername,
    masterPasswordSecretArn: secretRef('db-master-password'),
    dbSubnetGroupName: ref('db-subnet-group'),
    vpcSecurityGroupIds: [ref('security-group/db')],
    deletionProtection: config.env === 'prod',
    readReplicaOf: null,
  });
  if (config.db.readReplica) {
    add('db-instance/reader', 'db-instance', n.dbReplica, {
      instanceClass: config.db.instanceClass,
      publiclyAccessible: false,
      storageEncrypted: true,
      vpcSecurityGroupIds: [ref('security-group/db')],
      readReplicaOf: ref('db-instance/writer'),
    });
  }

  // Load balancer: HTTP redirects to HTTPS; HTTPS forwards to the gateway port with sticky sessions.
  add('target-group', 'target-group', n.targetGroup, {
    vpcId: ref('vpc'),
    protocol: 'HTTP',
    port: GATEWAY_PORT,
    targetType: 'ip',
    healthCheckPath: '/health',
    healthCheckProtocol: 'HTTP',
    healthCheckIntervalSeconds: 15,
    healthCheckTimeoutSeconds: 5,
    healthyThresholdCount: 2,
    unhealthyThresholdCount: 3,
    matcher: '200',
    attributes: {
      'stickiness.enabled': 'true',
      'stickiness.type': 'lb_cookie',
      'stickiness.lb_cookie.duration_seconds': String(config.stickinessSeconds),
      'deregistration_delay.timeout_seconds': '30',
    },
  });
  add(
    'load-balancer',
    'load-balancer',
    n.alb,
    {
      scheme: 'internet-facing',
      type: 'application',
      subnets: [ref('subnet/public-a'), ref('subnet/public-b')],
      securityGroups: [ref('security-group/alb')],
    },
    ['route-table/public'],
  );
  add('listener/http', 'listener', `${n.alb}:80`, {
    loadBalancerArn: ref('load-balancer', 'arn'),
    protocol: 'HTTP',
    port: 80,
    certificateArn: null,
    defaultAction: { type: 'redirect', protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' },
  });
  add('listener/https', 'listener', `${n.alb}:443`, {
    loadBalancerArn: ref('load-balancer', 'arn'),
    protocol: 'HTTPS',
    port: 443,
    certificateArn: config.certificateArn,
    sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    defaultAction: { type: 'forward', targetGroupArn: ref('target-group', 'arn') },
  });

  // Compute.
  add('ecs-cluster', 'ecs-cluster', n.cluster, { containerInsights: 'enabled' });
  add(
    'task-definition',
    'task-definition',
    n.family,
    {
      family: n.family,
      cpu: String(config.taskCpu),
      memory: String(config.taskMemoryMiB),
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      executionRoleArn: ref('iam-role/execution', 'arn'),
      taskRoleArn: ref('iam-role/task', 'arn'),
      containerDefinitions: containerDefinitions(config, options.imageTag),
    },
    secrets.map((s) => `secret/${s.id}`),
  );
  add(
    'ecs-service',
    'ecs-service',
    n.service,
    {
      cluster: ref('ecs-cluster', 'arn'),
      taskDefinition: ref('task-definition', 'arn'),
      desiredCount: config.capacity.tasksMin,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: {
        subnets: [ref('subnet/private-a'), ref('subnet/private-b')],
        securityGroups: [ref('security-group/tasks')],
        assignPublicIp: 'DISABLED',
      },
      loadBalancers: [
        {
          targetGroupArn: ref('target-group', 'arn'),
          containerName: GATEWAY_CONTAINER,
          containerPort: GATEWAY_PORT,
        },
      ],
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        minimumHealthyPercent: 100,
        maximumPercent: 200,
      },
      healthCheckGracePeriodSeconds: 60,
    },
    ['listener/https', 'nat-gateway', 'route-table/private', 'db-instance/writer'],
  );

  // Scaling: 3–10 tasks; +1 when CPU > 70 % for 2 min, −1 when CPU < 30 % for 5 min.
  const resourceId = `service/${n.cluster}/${n.service}`;
  add(
    'scalable-target',
    'scalable-target',
    resourceId,
    {
      resourceId,
      minCapacity: config.capacity.tasksMin,
      maxCapacity: config.capacity.tasksMax,
    },
    ['ecs-service'],
  );
  const sc = config.scaling;
  add(
    'scaling-policy/out',
    'scaling-policy',
    `${n.prefix}-scale-out`,
    {
      resourceId,
      adjustmentType: 'ChangeInCapacity',
      metricAggregationType: 'Average',
      cooldown: sc.cooldownSeconds,
      stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 1 }],
    },
    ['scalable-target'],
  );
  add(
    'scaling-policy/in',
    'scaling-policy',
    `${n.prefix}-scale-in`,
    {
      resourceId,
      adjustmentType: 'ChangeInCapacity',
      metricAggregationType: 'Average',
      cooldown: sc.cooldownSeconds,
      stepAdjustments: [{ metricIntervalUpperBound: 0, scalingAdjustment: -1 }],
    },
    ['scalable-target'],
  );
  const ecsDims = [dim('ClusterName', n.cluster), dim('ServiceName', n.service)];
  const topic = ref('sns-topic', 'arn');
  r.push(
    alarm('scale-out', `${n.prefix}-cpu-scale-out`, {
      description: `Scale out +1 task: service CPU > ${sc.scaleOutCpuPercent} % for ${sc.scaleOutMinutes} min`,
      namespace: 'AWS/ECS',
      metric: 'CPUUtilization',
      statistic: 'Average',
      dimensions: ecsDims,
      periodSeconds: 60,
      evaluationPeriods: sc.scaleOutMinutes,
      threshold: sc.scaleOutCpuPercent,
      comparison: 'GreaterThanThreshold',
      actions: [ref('scaling-policy/out', 'arn')],
    }),
    alarm('scale-in', `${n.prefix}-cpu-scale-in`, {
      description: `Scale in −1 task: service CPU < ${sc.scaleInCpuPercent} % for ${sc.scaleInMinutes} min`,
      namespace: 'AWS/ECS',
      metric: 'CPUUtilization',
      statistic: 'Average',
      dimensions: ecsDims,
      periodSeconds: 60,
      evaluationPeriods: sc.scaleInMinutes,
      threshold: sc.scaleInCpuPercent,
      comparison: 'LessThanThreshold',
      actions: [ref('scaling-policy/in', 'arn')],
    }),
    alarm('cpu-high', `${n.prefix}-cpu-high`, {
      description: 'Service CPU above 80 % for 5 min',
      namespace: 'AWS/ECS',
      metric: 'CPUUtilization',
      statistic: 'Average',
      dimensions: ecsDims,
      periodSeconds: 60,
      evaluationPeriods: 5,
      threshold: 80,
      comparison: 'GreaterThanThreshold',
      actions: [topic],
    }),
    alarm('memory-high', `${n.prefix}-memory-high`, {
      description: 'Service memory above 85 % for 5 min',
      namespace: 'AWS/ECS',
      metric: 'MemoryUtilization',
      statistic: 'Average',
      dimensions: ecsDims,
      periodSeconds: 60,
      evaluationPeriods: 5,
      threshold: 85,
      comparison: 'GreaterThanThreshold',
      actions: [topic],
    }),
    alarm('unhealthy-targets', `${n.prefix}-unhealthy-targets`, {
      description: 'At least one target failed the /health check for 2 min',
      namespace: 'AWS/ApplicationELB',
      metric: 'UnHealthyHostCount',
      statistic: 'Maximum',
      dimensions: [
        dim('TargetGroup', ref('target-group', 'arnSuffix')),
        dim('LoadBalancer', ref('load-balancer', 'arnSuffix')),
      ],
      periodSeconds: 60,
      evaluationPeriods: 2,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
      actions: [topic],
    }),
    alarm('target-5xx', `${n.prefix}-target-5xx`, {
      description: 'More than 10 gateway 5XX answers a minute for 2 min',
      namespace: 'AWS/ApplicationELB',
      metric: 'HTTPCode_Target_5XX_Count',
      statistic: 'Sum',
      dimensions: [dim('LoadBalancer', ref('load-balancer', 'arnSuffix'))],
      periodSeconds: 60,
      evaluationPeriods: 2,
      threshold: 10,
      comparison: 'GreaterThanThreshold',
      actions: [topic],
      treatMissingData: 'notBreaching',
    }),
    alarm('rds-cpu', `${n.prefix}-rds-cpu`, {
      description: 'RDS writer CPU above 80 % for 10 min',
      namespace: 'AWS/RDS',
      metric: 'CPUUtilization',
      statistic: 'Average',
      dimensions: [dim('DBInstanceIdentifier', n.db)],
      periodSeconds: 300,
      evaluationPeriods: 2,
      threshold: 80,
      comparison: 'GreaterThanThreshold',
      actions: [topic],
    }),
    alarm('rds-free-storage', `${n.prefix}-rds-free-storage`, {
      description: `RDS writer free storage below ${config.db.freeStorageAlarmBytes} bytes`,
      namespace: 'AWS/RDS',
      metric: 'FreeStorageSpace',
      statistic: 'Minimum',
      dimensions: [dim('DBInstanceIdentifier', n.db)],
      periodSeconds: 300,
      evaluationPeriods: 1,
      threshold: config.db.freeStorageAlarmBytes,
      comparison: 'LessThanThreshold',
      actions: [topic],
    }),
  );
  for (const a of r.filter((x) => x.type === 'alarm')) {
    if (a.key.startsWith('alarm/rds')) a.dependsOn.push('db-instance/writer');
    else if (!a.key.startsWith('alarm/scale')) a.dependsOn.push('ecs-service');
  }
  add('dashboard', 'dashboard', n.dashboard, { body: dashboardBody(config) }, [
    'ecs-service',
    'db-instance/writer',
  ]);

  return { env: config.env, resources: topoSort(r) };
}

/** ECR repository ARN for a repository URL `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`; `*` otherwise. */
export function ecrRepositoryArn(repository: string): string {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/(.+)$/.exec(repository);
  return m ? `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}` : '*';
}

/** The image tag a container image reference carries (`repo:tag` → `tag`). */
export function imageTagOf(image: string): string | undefined {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : undefined;
}
