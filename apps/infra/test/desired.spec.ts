// Locks in the desired state of DESIGN.md section 7: every resource and setting the CLI sends,
// checked without AWS. Settings an emulator drops (circuit breaker, grace period) are checked here.
// Premium payments: the payment variables and the solana-rpc-url secret reach the gateway and the
// cron-worker only as the `payments` block says, and a bad block fails with the field named.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poolIds } from '@pardon/pooling';
import { ENVIRONMENTS, EnvConfigSchema } from '../src/lib/config';
import {
  HEALTH_CHECK_SCRIPT,
  AGENT_IDS,
  AGENT_SECRET_LENGTH,
  MIN_AGENT_SECRET_CHARS,
  agentSecretEnvName,
  agentSecretId,
  buildDesiredState,
  ecrRepositoryArn,
  imageTagOf,
  secretSpecs,
} from '../src/lib/desired';
import { InfraError } from '../src/lib/errors';
import { loadEnvConfig } from '../src/lib/load-config';
import { type Json, type Resource, isRef, refsOf } from '../src/lib/model';

const config = ENVIRONMENTS.prod;
const state = buildDesiredState(config, { imageTag: 'v7' });
const get = (key: string): Resource => {
  const r = state.resources.find((x) => x.key === key);
  if (!r) throw new Error(`no resource ${key}`);
  return r;
};
type Obj = Record<string, unknown>;
const props = (key: string): Obj => get(key).props as Obj;
const containersOf = (st: typeof state): Obj[] =>
  (st.resources.find((r) => r.key === 'task-definition')?.props['containerDefinitions'] ??
    []) as Obj[];
const container = (name: string): Obj => {
  const c = containersOf(state).find((x) => x['name'] === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
/** A container's secrets as `ENV_NAME → secret id` (the resource key its ARN references). */
const secretMap = (c: Obj): Record<string, string> =>
  Object.fromEntries(
    (c['secrets'] as Obj[]).map((s) => {
      const from = s['valueFrom'] as { $ref: string };
      return [String(s['name']), from.$ref.replace(/^secret\//, '')];
    }),
  );

const MINT = '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU';
const TREASURY = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
/** The config with a `payments` block, parsed as loadEnvConfig would (defaults applied). */
const withPayments = (payments: unknown) => EnvConfigSchema.parse({ ...config, payments });
const paidState = buildDesiredState(
  withPayments({ chain: 'rpc', cluster: 'devnet', mint: MINT, treasury: TREASURY }),
  { imageTag: 'v7' },
);
const containerOf = (st: typeof state, name: string): Obj => {
  const c = containersOf(st).find((x) => x['name'] === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
/** A container's plain environment as `NAME → value`. */
const envMap = (c: Obj): Record<string, string> =>
  Object.fromEntries(
    (c['environment'] as Obj[]).map((e) => [String(e['name']), String(e['value'])]),
  );
const PAYMENT_ENV = [
  'PAYMENT_CHAIN',
  'PAYMENT_CLUSTER',
  'SOLANA_COMMITMENT',
  'PAYMENT_MINT',
  'PAYMENT_TREASURY',
  'PAYMENT_SYMBOL',
  'PAYMENT_INTENT_TTL_MS',
  'PAYMENT_CURRENCIES',
];
const paymentEnvOf = (c: Obj): Record<string, string> =>
  Object.fromEntries(Object.entries(envMap(c)).filter(([name]) => PAYMENT_ENV.includes(name)));

describe('buildDesiredState', () => {
  it('lists every resource after the resources it references', () => {
    const seen = new Set<string>();
    for (const r of state.resources) {
      for (const dep of [...refsOf(r.props), ...r.dependsOn])
        expect(seen.has(dep) || dep === r.key).toBe(true);
      seen.add(r.key);
    }
  });

  it('is pure: the same config and tag give the same state', () => {
    expect(buildDesiredState(config, { imageTag: 'v7' })).toEqual(state);
  });

  it('builds a VPC with public and private subnets in two availability zones', () => {
    const subnets = state.resources.filter((r) => r.type === 'subnet').map((r) => r.props as Obj);
    expect(subnets).toHaveLength(4);
    expect(new Set(subnets.map((s) => s['availabilityZone']))).toEqual(
      new Set(config.availabilityZones),
    );
    expect(props('route-table/public')['routes']).toEqual([
      { destinationCidrBlock: '0.0.0.0/0', gatewayId: { $ref: 'internet-gateway' } },
    ]);
    expect(props('route-table/private')['routes']).toEqual([
      { destinationCidrBlock: '0.0.0.0/0', natGatewayId: { $ref: 'nat-gateway' } },
    ]);
  });

  it('opens nothing to the world but 80 and 443 on the ALB, and chains ALB → 5555 → 5432', () => {
    const groups = state.resources.filter((r) => r.type === 'security-group');
    const world = groups.flatMap((g) =>
      ((g.props['ingress'] as Obj[]) ?? [])
        .filter((rule) => rule['cidrIp'] === '0.0.0.0/0')
        .map((rule) => ({ key: g.key, port: rule['fromPort'] })),
    );
    expect(world).toEqual([
      { key: 'security-group/alb', port: 80 },
      { key: 'security-group/alb', port: 443 },
    ]);
    expect(props('security-group/tasks')['ingress']).toEqual([
      {
        protocol: 'tcp',
        fromPort: 5555,
        toPort: 5555,
        sourceSecurityGroupId: { $ref: 'security-group/alb' },
      },
    ]);
    expect(props('security-group/db')['ingress']).toEqual([
      {
        protocol: 'tcp',
        fromPort: 5432,
        toPort: 5432,
        sourceSecurityGroupId: { $ref: 'security-group/tasks' },
      },
    ]);
  });

  it('defines a 2 vCPU / 8 GB Fargate task with the gateway, six agents and the cron-worker', () => {
    const td = props('task-definition');
    expect(td).toMatchObject({
      cpu: '2048',
      memory: '8192',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
    });
    const containers = td['containerDefinitions'] as Obj[];
    expect(containers.map((c) => c['name'])).toEqual([
      'gateway',
      ...AGENT_IDS.map((a) => `agent-${a}`),
      'cron-worker',
    ]);
    expect(containers.reduce((sum, c) => sum + (c['cpu'] as number), 0)).toBeLessThanOrEqual(2048);
    expect(
      containers.reduce((sum, c) => sum + (c['memoryReservation'] as number), 0),
    ).toBeLessThanOrEqual(8192);
    for (const c of containers) expect(c['image']).toBe(`${config.imageRepository}:v7`);
  });

  it('gives the gateway a /health container health check on port 5555', () => {
    const gateway = (props('task-definition')['containerDefinitions'] as Obj[])[0] as Obj;
    expect(gateway['portMappings']).toEqual([{ containerPort: 5555, protocol: 'tcp' }]);
    expect((gateway['healthCheck'] as Obj)['command']).toEqual([
      'CMD',
      'node',
      '-e',
      HEALTH_CHECK_SCRIPT,
    ]);
  });

  it('has a health check script that passes on 2xx from /health and fails otherwise', async () => {
    let status = 200;
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/health' ? status : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const script = HEALTH_CHECK_SCRIPT.replace(':5555/', `:${port}/`);
    const run = (): Promise<number | null> =>
      new Promise((resolve) =>
        execFile(process.execPath, ['-e', script], (err) =>
          resolve(err ? (err.code as number) : 0),
        ),
      );
    try {
      expect(await run()).toBe(0);
      status = 503;
      expect(await run()).toBe(1);
    } finally {
      server.close();
    }
  });

  it('has every agent list every pool in CORAL_SESSIONS', () => {
    const pools = poolIds(config.capacity.poolsPerTask).join(',');
    const agents = (props('task-definition')['containerDefinitions'] as Obj[]).filter((c) =>
      String(c['name']).startsWith('agent-'),
    );
    expect(agents).toHaveLength(6);
    for (const a of agents) {
      expect(
        (a['environment'] as Obj[]).find((e) => e['name'] === 'CORAL_SESSIONS')?.['value'],
      ).toBe('pool-0,pool-1,pool-2,pool-3,pool-4');
      expect(pools).toBe('pool-0,pool-1,pool-2,pool-3,pool-4');
    }
  });

  it('trusts X-Forwarded-For from the VPC only and sets the rate limits explicitly', () => {
    const gateway = (props('task-definition')['containerDefinitions'] as Obj[]).find(
      (c) => c['name'] === 'gateway',
    );
    const value = (name: string) =>
      (gateway?.['environment'] as Obj[]).find((e) => e['name'] === name)?.['value'];
    expect(value('TRUSTED_PROXIES')).toBe(config.vpcCidr);
    expect(value('RATE_LIMIT_IP_PER_MIN')).toBe('600');
    expect(value('RATE_LIMIT_WALLET_PER_MIN')).toBe('120');
    expect(value('MAX_OPEN_THREADS_PER_WALLET')).toBe('6');
  });

  it('passes secrets to containers by ARN reference only, never as plain environment values', () => {
    const secretEnvNames = [
      'DATABASE_URL',
      'DATABASE_READ_URL',
      'AGENT_SECRET',
      ...AGENT_IDS.map(agentSecretEnvName),
      'AGENT_API_KEY',
      'CRON_SECRET',
      'OPS_TOKEN',
      'TOKEN_SECRET',
      'MODEL_API_KEY',
      'SOLANA_RPC_URL',
    ];
    for (const c of [...containersOf(state), ...containersOf(paidState)]) {
      for (const e of c['environment'] as Obj[]) expect(secretEnvNames).not.toContain(e['name']);
      for (const s of c['secrets'] as Obj[]) {
        expect(isRef(s['valueFrom'] as Json)).toBe(true);
        expect(s['valueFrom']).toMatchObject({ attr: 'arn' });
      }
    }
  });

  it('gives agents the LLM key only when they use an OpenAI-compatible brain', () => {
    const agentSecrets = (st: typeof state): string[] =>
      ((containersOf(st)[1] as Obj)['secrets'] as Obj[]).map((x) => String(x['name']));
    expect(agentSecrets(state)).toEqual(['AGENT_SECRET']);
    const llm = buildDesiredState(
      { ...config, agents: { brain: 'openai', modelName: 'gpt-x' } },
      { imageTag: 'v7' },
    );
    expect(agentSecrets(llm)).toEqual(['AGENT_SECRET', 'MODEL_API_KEY']);
  });

  it('generates one secret per roster agent, long enough for the gateway', () => {
    const agentSpecs = secretSpecs(config).filter((s) => s.id.startsWith('agent-'));
    expect(agentSpecs.map((s) => s.id)).toEqual([
      'agent-secret-trump-donald',
      'agent-secret-trump-melania',
      'agent-secret-trump-eric',
      'agent-secret-trump-donjr',
      'agent-secret-trump-barron',
      'agent-secret-cz',
    ]);
    for (const s of agentSpecs) {
      expect(s.source).toEqual({ kind: 'generated', length: AGENT_SECRET_LENGTH });
      expect(s.rotationDays).toBe(config.secretRotationDays);
      expect(get(`secret/${s.id}`).name).toBe(`pardon-prod/${s.id}`);
    }
    expect(AGENT_SECRET_LENGTH).toBeGreaterThanOrEqual(MIN_AGENT_SECRET_CHARS);
    expect(state.resources.some((r) => r.key === 'secret/agent-api-key')).toBe(false);
  });

  it('names the agent secrets as the gateway reads them (agentSecretEnvName of @pardon/coral)', () => {
    expect(AGENT_IDS.map(agentSecretEnvName)).toEqual([
      'AGENT_SECRET_TRUMP_DONALD',
      'AGENT_SECRET_TRUMP_MELANIA',
      'AGENT_SECRET_TRUMP_ERIC',
      'AGENT_SECRET_TRUMP_DONJR',
      'AGENT_SECRET_TRUMP_BARRON',
      'AGENT_SECRET_CZ',
    ]);
    expect(agentSecretEnvName('x.y-z_9')).toBe('AGENT_SECRET_X_Y_Z_9');
  });

  it('gives the gateway every agent secret, each agent its own only, and the cron-worker none', () => {
    const gateway = secretMap(container('gateway'));
    const agentEntries = Object.entries(gateway).filter(([name]) =>
      name.startsWith('AGENT_SECRET'),
    );
    expect(agentEntries).toHaveLength(6);
    expect(Object.fromEntries(agentEntries)).toEqual(
      Object.fromEntries(AGENT_IDS.map((id) => [agentSecretEnvName(id), `agent-secret-${id}`])),
    );
    expect(Object.keys(gateway).sort()).toEqual(
      [
        'DATABASE_URL',
        'DATABASE_READ_URL',
        ...AGENT_IDS.map(agentSecretEnvName),
        'CRON_SECRET',
        'OPS_TOKEN',
        'TOKEN_SECRET',
      ].sort(),
    );

    for (const brain of ['scripted', 'openai'] as const) {
      const st = buildDesiredState(
        { ...config, agents: brain === 'openai' ? { brain, modelName: 'gpt-x' } : { brain } },
        { imageTag: 'v7' },
      );
      for (const id of AGENT_IDS) {
        const agent = containersOf(st).find((c) => c['name'] === `agent-${id}`) as Obj;
        const own = secretMap(agent);
        const agentVars = Object.entries(own).filter(([, secret]) => secret.startsWith('agent-'));
        expect(agentVars).toEqual([['AGENT_SECRET', agentSecretId(id)]]);
        expect(Object.keys(own).filter((n) => n.startsWith('AGENT_SECRET'))).toEqual([
          'AGENT_SECRET',
        ]);
      }
    }

    expect(secretMap(container('cron-worker'))).toEqual({
      DATABASE_URL: 'database-url',
      OPS_TOKEN: 'ops-token',
    });
  });

  it('references no shared agent API key anywhere', () => {
    const llm = buildDesiredState(
      { ...config, agents: { brain: 'openai', modelName: 'gpt-x' } },
      { imageTag: 'v7' },
    );
    for (const st of [state, llm]) {
      const text = JSON.stringify(st);
      expect(text).not.toContain('agent-api-key');
      expect(text).not.toContain('AGENT_API_KEY');
    }
    expect(secretSpecs(config).map((s) => s.id)).not.toContain('agent-api-key');
  });

  it('runs the service at 3 tasks with circuit-breaker rollback and scales it between 3 and 10', () => {
    expect(props('ecs-service')).toMatchObject({
      desiredCount: 3,
      launchType: 'FARGATE',
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      networkConfiguration: { assignPublicIp: 'DISABLED' },
    });
    expect(props('scalable-target')).toMatchObject({ minCapacity: 3, maxCapacity: 10 });
  });

  it('scales out +1 above 70 % CPU for 2 minutes and in −1 below 30 % for 5 minutes', () => {
    expect(props('scaling-policy/out')['stepAdjustments']).toEqual([
      { metricIntervalLowerBound: 0, scalingAdjustment: 1 },
    ]);
    expect(props('scaling-policy/in')['stepAdjustments']).toEqual([
      { metricIntervalUpperBound: 0, scalingAdjustment: -1 },
    ]);
    expect(props('alarm/scale-out')).toMatchObject({
      metricName: 'CPUUtilization',
      threshold: 70,
      comparisonOperator: 'GreaterThanThreshold',
      period: 60,
      evaluationPeriods: 2,
      alarmActions: [{ $ref: 'scaling-policy/out', attr: 'arn' }],
    });
    expect(props('alarm/scale-in')).toMatchObject({
      metricName: 'CPUUtilization',
      threshold: 30,
      comparisonOperator: 'LessThanThreshold',
      period: 60,
      evaluationPeriods: 5,
      alarmActions: [{ $ref: 'scaling-policy/in', attr: 'arn' }],
    });
  });

  it('redirects HTTP to HTTPS and forwards HTTPS with the configured certificate to a sticky /health-checked target group', () => {
    expect(props('listener/http')['defaultAction']).toEqual({
      type: 'redirect',
      protocol: 'HTTPS',
      port: '443',
      statusCode: 'HTTP_301',
    });
    expect(props('listener/https')).toMatchObject({
      protocol: 'HTTPS',
      port: 443,
      certificateArn: config.certificateArn,
    });
    expect(props('target-group')).toMatchObject({
      port: 5555,
      healthCheckPath: '/health',
      attributes: {
        'stickiness.enabled': 'true',
        'stickiness.type': 'lb_cookie',
        'stickiness.lb_cookie.duration_seconds': '3600',
      },
    });
  });

  it('keeps PostgreSQL Multi-AZ, encrypted, private, with 7-day backups and a read replica', () => {
    expect(props('db-instance/writer')).toMatchObject({
      engine: 'postgres',
      multiAz: true,
      storageEncrypted: true,
      publiclyAccessible: false,
      backupRetentionPeriod: 7,
    });
    expect(props('db-instance/reader')).toMatchObject({
      publiclyAccessible: false,
      readReplicaOf: { $ref: 'db-instance/writer' },
    });
  });

  it('rotates generated secrets every 90 days once a rotation Lambda is configured, and says so when not', () => {
    expect(
      secretSpecs(config)
        .filter((s) => s.source.kind === 'generated')
        .map((s) => s.rotationDays),
    ).toEqual(Array(10).fill(90));
    for (const id of AGENT_IDS)
      expect(props(`secret/${agentSecretId(id)}`)['rotationDays']).toBeNull();
    expect(props('secret/token-secret')['rotationDays']).toBeNull();
    const lambda = 'arn:aws:lambda:eu-west-1:000000000000:function:rotate';
    const rotated = buildDesiredState({ ...config, rotationLambdaArn: lambda }, { imageTag: 'v7' });
    expect(rotated.resources.find((r) => r.key === 'secret/token-secret')?.props).toMatchObject({
      rotationDays: 90,
      rotationLambdaArn: lambda,
    });
    for (const id of AGENT_IDS)
      expect(
        rotated.resources.find((r) => r.key === `secret/${agentSecretId(id)}`)?.props,
      ).toMatchObject({ rotationDays: 90, rotationLambdaArn: lambda });
    expect(rotated.resources.find((r) => r.key === 'secret/llm-api-key')?.props).toMatchObject({
      rotationDays: null,
    });
  });

  it('grants the execution role image pull, log writes and only its own secrets, and the task role metrics only', () => {
    const exec = JSON.stringify(props('iam-role/execution')['policy']);
    for (const s of secretSpecs(config)) expect(exec).toContain(`"$ref":"secret/${s.id}"`);
    const secretStatement = (
      props('iam-role/execution')['policy'] as { Statement: Obj[] }
    ).Statement.find((s) => s['Sid'] === 'Secrets') as Obj;
    expect(secretStatement['Resource']).toEqual(
      secretSpecs(config).map((s) => ({ $ref: `secret/${s.id}`, attr: 'arn' })),
    );
    for (const id of AGENT_IDS) expect(exec).toContain(`"$ref":"secret/agent-secret-${id}"`);
    // Every secret a container reads is one the execution role may read, and vice versa.
    const read = new Set(containersOf(state).flatMap((c) => Object.values(secretMap(c))));
    const llmRead = containersOf(
      buildDesiredState(
        { ...config, agents: { brain: 'openai', modelName: 'gpt-x' } },
        { imageTag: 'v7' },
      ),
    ).flatMap((c) => Object.values(secretMap(c)));
    for (const id of llmRead) read.add(id);
    for (const id of containersOf(paidState).flatMap((c) => Object.values(secretMap(c))))
      read.add(id);
    read.add('db-master-password'); // read by RDS set-up, not by a container
    expect([...read].sort()).toEqual(
      secretSpecs(config)
        .map((s) => s.id)
        .sort(),
    );
    expect(exec).not.toContain('"secretsmanager:*"');
    const task = props('iam-role/task')['policy'] as { Statement: Obj[] };
    expect(task.Statement.map((s) => s['Action'])).toEqual([['cloudwatch:PutMetricData']]);
    expect(task.Statement[0]?.['Condition']).toEqual({
      StringEquals: { 'cloudwatch:namespace': 'PardonSimulator' },
    });
  });

  it('sends the six operational alarms to the SNS topic and builds the dashboard', () => {
    const ops = state.resources.filter(
      (r) => r.type === 'alarm' && !r.key.startsWith('alarm/scale'),
    );
    expect(
      ops.map((a) => [a.props['metricName'], a.props['comparisonOperator'], a.props['threshold']]),
    ).toEqual([
      ['CPUUtilization', 'GreaterThanThreshold', 80],
      ['MemoryUtilization', 'GreaterThanThreshold', 85],
      ['UnHealthyHostCount', 'GreaterThanThreshold', 0],
      ['HTTPCode_Target_5XX_Count', 'GreaterThanThreshold', 10],
      ['CPUUtilization', 'GreaterThanThreshold', 80],
      ['FreeStorageSpace', 'LessThanThreshold', config.db.freeStorageAlarmBytes],
    ]);
    for (const a of ops)
      expect(a.props['alarmActions']).toEqual([{ $ref: 'sns-topic', attr: 'arn' }]);
    const body = JSON.stringify(props('dashboard')['body']);
    for (const m of [
      'PoolHealthy',
      'ActiveThreads',
      'CPUUtilization',
      'MemoryUtilization',
      'TargetResponseTime',
      '"p95"',
      '"p99"',
      'RequestCount',
      'HTTPCode_Target_5XX_Count',
      'RunningTaskCount',
      'AWS/RDS',
    ]) {
      expect(body).toContain(m);
    }
    expect(props('log-group')['retentionInDays']).toBe(90);
    expect(props('sns-topic')['emailSubscription']).toBeNull();
  });
});

describe('premium payments', () => {
  it('ships every environment with payments off until an operator sets a mint and treasury', () => {
    for (const env of Object.values(ENVIRONMENTS)) expect(env.payments).toEqual({ chain: 'off' });
    expect(EnvConfigSchema.parse({ ...config, payments: undefined }).payments).toEqual({
      chain: 'off',
    });
  });

  it('gives the gateway and the cron-worker only PAYMENT_CHAIN=off and no RPC URL when payments are off', () => {
    for (const name of ['gateway', 'cron-worker']) {
      expect(paymentEnvOf(containerOf(state, name))).toEqual({ PAYMENT_CHAIN: 'off' });
      expect(secretMap(containerOf(state, name))).not.toHaveProperty('SOLANA_RPC_URL');
    }
    for (const id of AGENT_IDS) {
      expect(paymentEnvOf(containerOf(state, `agent-${id}`))).toEqual({});
      expect(paymentEnvOf(containerOf(paidState, `agent-${id}`))).toEqual({});
    }
    expect(JSON.stringify(containersOf(state))).not.toContain('solana-rpc-url');
  });

  it('gives the gateway and the cron-worker the payment settings and SOLANA_RPC_URL from solana-rpc-url on rpc', () => {
    const settings = {
      PAYMENT_CHAIN: 'rpc',
      PAYMENT_CLUSTER: 'devnet',
      SOLANA_COMMITMENT: 'confirmed',
      PAYMENT_MINT: MINT,
      PAYMENT_TREASURY: TREASURY,
      PAYMENT_SYMBOL: 'PARDON',
      PAYMENT_INTENT_TTL_MS: '600000',
    };
    expect(paymentEnvOf(containerOf(paidState, 'gateway'))).toEqual(settings);
    // The PaymentVolume metric always reports the mint, paid or not.
    expect(paymentEnvOf(containerOf(paidState, 'cron-worker'))).toEqual({
      ...settings,
      PAYMENT_CURRENCIES: MINT,
    });
    for (const name of ['gateway', 'cron-worker'])
      expect(secretMap(containerOf(paidState, name))['SOLANA_RPC_URL']).toBe('solana-rpc-url');
    for (const id of AGENT_IDS)
      expect(secretMap(containerOf(paidState, `agent-${id}`))).not.toHaveProperty('SOLANA_RPC_URL');
  });

  it('passes the configured commitment, symbol and payment-request lifetime', () => {
    const st = buildDesiredState(
      withPayments({
        chain: 'rpc',
        cluster: 'mainnet-beta',
        commitment: 'finalized',
        mint: MINT,
        treasury: TREASURY,
        symbol: 'PDN',
        intentTtlMinutes: 15,
      }),
      { imageTag: 'v7' },
    );
    expect(paymentEnvOf(containerOf(st, 'gateway'))).toMatchObject({
      PAYMENT_CLUSTER: 'mainnet-beta',
      SOLANA_COMMITMENT: 'finalized',
      PAYMENT_SYMBOL: 'PDN',
      PAYMENT_INTENT_TTL_MS: '900000',
    });
  });

  it('creates the operator-supplied solana-rpc-url secret whether payments are on or off, never rotated', () => {
    expect(secretSpecs(config).find((s) => s.id === 'solana-rpc-url')).toEqual({
      id: 'solana-rpc-url',
      description: expect.stringMatching(/Solana JSON-RPC URL/),
      source: { kind: 'operator' },
      rotationDays: null,
    });
    for (const st of [state, paidState]) {
      const secret = st.resources.find((r) => r.key === 'secret/solana-rpc-url');
      expect(secret).toMatchObject({ name: 'pardon-prod/solana-rpc-url' });
      expect(secret?.props).toMatchObject({ source: 'operator', rotationDays: null });
    }
    expect(JSON.stringify(props('iam-role/execution')['policy'])).toContain(
      '"$ref":"secret/solana-rpc-url"',
    );
  });
});

describe('the payments config block', () => {
  const check = (payments: unknown): string[] => {
    const r = EnvConfigSchema.safeParse({ ...config, payments });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('names the mint, treasury and cluster when rpc lacks them', () => {
    expect(check({ chain: 'rpc' })).toEqual([
      'payments.cluster: required when payments.chain is rpc: devnet, testnet or mainnet-beta',
      'payments.mint: required when payments.chain is rpc: the base58 address of the token mint',
      'payments.treasury: required when payments.chain is rpc: the base58 address of the treasury wallet',
    ]);
  });

  it('rejects a mint or treasury that is not a base58 Solana address', () => {
    const [bad] = check({
      chain: 'rpc',
      cluster: 'devnet',
      mint: 'not-a-mint-0OIl',
      treasury: TREASURY,
    });
    expect(bad).toMatch(/^payments\.mint: .*base58 Solana address/);
    // base58 of the right length that does not decode to 32 bytes
    const [overflow] = check({
      chain: 'rpc',
      cluster: 'devnet',
      mint: MINT,
      treasury: 'z'.repeat(44),
    });
    expect(overflow).toMatch(/^payments\.treasury: .*32 bytes/);
  });

  it('rejects the local cluster, an unknown commitment and an unknown chain', () => {
    expect(
      check({ chain: 'rpc', cluster: 'local', mint: MINT, treasury: TREASURY }).join('\n'),
    ).toMatch(/^payments\.cluster: .*devnet, testnet or mainnet-beta/);
    expect(
      check({
        chain: 'rpc',
        cluster: 'devnet',
        commitment: 'instant',
        mint: MINT,
        treasury: TREASURY,
      }).join('\n'),
    ).toMatch(/^payments\.commitment: /);
    expect(check({ chain: 'on' })).toEqual(['payments.chain: "off" or "rpc"']);
  });

  it('turns payments on for one environment from an override file, with the defaults filled in', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'infra-')), 'payments.json');
    writeFileSync(
      file,
      JSON.stringify({
        staging: { payments: { chain: 'rpc', cluster: 'devnet', mint: MINT, treasury: TREASURY } },
      }),
    );
    expect(loadEnvConfig('staging', file).payments).toEqual({
      chain: 'rpc',
      cluster: 'devnet',
      commitment: 'confirmed',
      mint: MINT,
      treasury: TREASURY,
      symbol: 'PARDON',
      intentTtlMinutes: 10,
    });
    expect(loadEnvConfig('prod', file).payments).toEqual({ chain: 'off' });
    writeFileSync(
      file,
      JSON.stringify({ prod: { payments: { chain: 'rpc', cluster: 'devnet' } } }),
    );
    expect(() => loadEnvConfig('prod', file)).toThrow(
      /invalid config for prod: .*payments\.mint: required when payments\.chain is rpc/,
    );
  });
});

describe('helpers', () => {
  it('derives an ECR repository ARN from its URL and falls back to * for other registries', () => {
    expect(ecrRepositoryArn('123456789012.dkr.ecr.eu-west-1.amazonaws.com/pardon')).toBe(
      'arn:aws:ecr:eu-west-1:123456789012:repository/pardon',
    );
    expect(ecrRepositoryArn('ghcr.io/x/pardon')).toBe('*');
  });

  it('reads the tag of an image reference, ignoring a registry port', () => {
    expect(imageTagOf('localhost:5000/pardon:v1.2')).toBe('v1.2');
    expect(imageTagOf('localhost:5000/pardon')).toBeUndefined();
  });
});

describe('loadEnvConfig', () => {
  it('rejects an unknown environment with the list of known ones', () => {
    expect(() => loadEnvConfig('qa')).toThrow(
      new InfraError(
        'INFRA_ERR_CONFIG',
        'unknown environment "qa": expected one of dev, staging, prod',
      ),
    );
  });

  it('names every invalid field of an override file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'infra-')), 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ prod: { certificateArn: 'nope', capacity: { tasksMin: 11 } } }),
    );
    expect(() => loadEnvConfig('prod', file)).toThrow(
      /certificateArn: .*ARN.*capacity\.tasksMin: tasksMin exceeds tasksMax/,
    );
  });
});
