// Locks in the CLI end to end against a real AWS emulator (see tools/test-env): apply creates
// the whole topology with the design's settings, a second plan is empty, deploy/rollback move
// the service between revisions, bad input changes nothing, destroy leaves nothing behind.
// Premium payments start off (no RPC URL referenced) and an override file turns them on.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand, ListDashboardsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../src/lib/aws';
import { ENVIRONMENTS } from '../src/lib/config';
import { AGENT_IDS, HEALTH_CHECK_SCRIPT, agentSecretEnvName } from '../src/lib/desired';
import { runCli } from '../src/lib/cli';

jest.setTimeout(120_000);

const ENV = 'staging';
/** Resources of one environment: 39 plus 14 secrets (6 of them the agents' own). */
const RESOURCE_COUNT = 53;
const MAIN = join(__dirname, '..', 'src', 'main.ts');
const TSCONFIG = join(__dirname, '..', 'tsconfig.json');
const config = ENVIRONMENTS[ENV];
const configFile = join(mkdtempSync(join(tmpdir(), 'infra-e2e-')), 'overrides.json');
// The emulator validates ACM certificate ARNs against its ACM; an IAM server-certificate ARN is
// the other form the HTTPS listener accepts.
const CERT = 'arn:aws:iam::123456789012:server-certificate/pardon-e2e';
writeFileSync(
  configFile,
  JSON.stringify({ staging: { certificateArn: CERT }, dev: { certificateArn: CERT } }),
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a real process (tsx), as an operator would. */
function cliProcess(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), '--tsconfig', TSCONFIG, MAIN, ...args],
      {
        env: process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Runs the CLI in this process: same code path, no tsx start-up cost. */
async function cli(args: string[], secret = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readSecret: async () => secret,
    progress: false,
  });
  return { code, stdout, stderr };
}

const common = ['--env', ENV, '--config', configFile];
let aws: AwsClients;

async function serviceState(): Promise<{ taskDefinition: string; revisions: string[] }> {
  const s = await aws.ecs.send(
    new DescribeServicesCommand({ cluster: `pardon-${ENV}`, services: [`pardon-${ENV}-app`] }),
  );
  const revisions = await aws.ecs.send(
    new ListTaskDefinitionsCommand({ familyPrefix: `pardon-${ENV}-app`, status: 'ACTIVE' }),
  );
  return {
    taskDefinition: s.services?.[0]?.taskDefinition ?? '',
    revisions: revisions.taskDefinitionArns ?? [],
  };
}

beforeAll(async () => {
  aws = createAwsClients(config.region);
  // An external emulator may hold a previous run's environment.
  const clean = await cli(['destroy', ...common, '--yes']);
  expect(clean.code).toBe(0);
});

afterAll(() => {
  destroyAwsClients(aws);
});

describe('infra CLI against the AWS emulator', () => {
  it('rejects an unknown environment with a clear error and exit status 2', async () => {
    const run = await cliProcess(['plan', '--env', 'qa', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toEqual({
      error: 'INFRA_ERR_CONFIG',
      message: 'unknown environment "qa": expected one of dev, staging, prod',
    });
    expect(run.stdout).toBe('');
  });

  it('applies the whole topology as a real process', async () => {
    const run = await cliProcess(['apply', ...common, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { applied: string[] };
    expect(out.applied).toHaveLength(RESOURCE_COUNT);
  });

  it('creates the network with security groups that chain ALB → 5555 → 5432 and open only 80/443 to the world', async () => {
    const vpc = (
      await aws.ec2.send(
        new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: [`pardon-${ENV}-vpc`] }] }),
      )
    ).Vpcs?.[0];
    expect(vpc?.CidrBlock).toBe(config.vpcCidr);
    const subnets = await aws.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc?.VpcId as string] }] }),
    );
    expect(new Set(subnets.Subnets?.map((s) => s.AvailabilityZone))).toEqual(
      new Set(config.availabilityZones),
    );
    expect(subnets.Subnets).toHaveLength(4);
    const groups =
      (
        await aws.ec2.send(
          new DescribeSecurityGroupsCommand({
            Filters: [{ Name: 'vpc-id', Values: [vpc?.VpcId as string] }],
          }),
        )
      ).SecurityGroups ?? [];
    const byName = new Map(groups.map((g) => [g.GroupName, g]));
    const alb = byName.get(`pardon-${ENV}-alb`);
    const tasks = byName.get(`pardon-${ENV}-tasks`);
    const db = byName.get(`pardon-${ENV}-db`);
    const worldOpen = groups.flatMap((g) =>
      (g.IpPermissions ?? [])
        .filter((p) => p.IpRanges?.some((r) => r.CidrIp === '0.0.0.0/0'))
        .map((p) => `${g.GroupName}:${p.FromPort}`),
    );
    expect(worldOpen.sort()).toEqual([`pardon-${ENV}-alb:443`, `pardon-${ENV}-alb:80`]);
    expect(tasks?.IpPermissions).toEqual([
      expect.objectContaining({
        FromPort: 5555,
        ToPort: 5555,
        UserIdGroupPairs: [expect.objectContaining({ GroupId: alb?.GroupId })],
      }),
    ]);
    expect(db?.IpPermissions).toEqual([
      expect.objectContaining({
        FromPort: 5432,
        ToPort: 5432,
        UserIdGroupPairs: [expect.objectContaining({ GroupId: tasks?.GroupId })],
      }),
    ]);
  });

  it('runs the service at 3 tasks, scalable 3–10, with step policies and their CPU alarms', async () => {
    const { taskDefinition } = await serviceState();
    const svc = (
      await aws.ecs.send(
        new DescribeServicesCommand({ cluster: `pardon-${ENV}`, services: [`pardon-${ENV}-app`] }),
      )
    ).services?.[0];
    expect(svc).toMatchObject({ desiredCount: 3, launchType: 'FARGATE', taskDefinition });
    expect(svc?.loadBalancers?.[0]).toMatchObject({
      containerName: 'gateway',
      containerPort: 5555,
    });
    const resourceId = `service/pardon-${ENV}/pardon-${ENV}-app`;
    const target = await aws.scaling.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [resourceId] }),
    );
    expect(target.ScalableTargets?.[0]).toMatchObject({
      MinCapacity: 3,
      MaxCapacity: 10,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    const policies = await aws.scaling.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: resourceId }),
    );
    const byName = new Map(policies.ScalingPolicies?.map((p) => [p.PolicyName, p]));
    const out = byName.get(`pardon-${ENV}-scale-out`);
    const inn = byName.get(`pardon-${ENV}-scale-in`);
    expect(out?.StepScalingPolicyConfiguration?.StepAdjustments).toEqual([
      { MetricIntervalLowerBound: 0, ScalingAdjustment: 1 },
    ]);
    expect(inn?.StepScalingPolicyConfiguration?.StepAdjustments).toEqual([
      { MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
    ]);
    const alarms = await aws.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: `pardon-${ENV}-` }),
    );
    const alarm = (n: string) =>
      alarms.MetricAlarms?.find((a) => a.AlarmName === `pardon-${ENV}-${n}`);
    expect(alarm('cpu-scale-out')).toMatchObject({
      MetricName: 'CPUUtilization',
      Threshold: 70,
      Period: 60,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [out?.PolicyARN],
    });
    expect(alarm('cpu-scale-in')).toMatchObject({
      MetricName: 'CPUUtilization',
      Threshold: 30,
      Period: 60,
      EvaluationPeriods: 5,
      ComparisonOperator: 'LessThanThreshold',
      AlarmActions: [inn?.PolicyARN],
    });
    const topic = (await aws.sns.send(new ListTopicsCommand({}))).Topics?.find((t) =>
      t.TopicArn?.endsWith(`:pardon-${ENV}-alarms`),
    );
    for (const n of [
      'cpu-high',
      'memory-high',
      'unhealthy-targets',
      'target-5xx',
      'rds-cpu',
      'rds-free-storage',
    ]) {
      expect(alarm(n)?.AlarmActions).toEqual([topic?.TopicArn]);
    }
    expect(alarm('cpu-high')).toMatchObject({ Threshold: 80 });
    expect(alarm('memory-high')).toMatchObject({ MetricName: 'MemoryUtilization', Threshold: 85 });
  });

  it('puts a sticky /health-checked target group on 5555 behind an HTTP→HTTPS redirect and an HTTPS listener', async () => {
    const tg = (
      await aws.elb.send(new DescribeTargetGroupsCommand({ Names: [`pardon-${ENV}-tg`] }))
    ).TargetGroups?.[0];
    expect(tg).toMatchObject({
      Port: 5555,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/health',
    });
    const attrs = await aws.elb.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg?.TargetGroupArn }),
    );
    const attr = new Map(attrs.Attributes?.map((a) => [a.Key, a.Value]));
    expect([
      attr.get('stickiness.enabled'),
      attr.get('stickiness.type'),
      attr.get('stickiness.lb_cookie.duration_seconds'),
    ]).toEqual(['true', 'lb_cookie', '3600']);
    const lb = (
      await aws.elb.send(new DescribeLoadBalancersCommand({ Names: [`pardon-${ENV}-alb`] }))
    ).LoadBalancers?.[0];
    expect(lb?.Scheme).toBe('internet-facing');
    const listeners =
      (await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn })))
        .Listeners ?? [];
    const http = listeners.find((l) => l.Port === 80);
    const https = listeners.find((l) => l.Port === 443);
    expect(http?.DefaultActions?.[0]).toMatchObject({
      Type: 'redirect',
      RedirectConfig: expect.objectContaining({
        Protocol: 'HTTPS',
        Port: '443',
        StatusCode: 'HTTP_301',
      }),
    });
    expect(https).toMatchObject({
      Protocol: 'HTTPS',
      Certificates: [expect.objectContaining({ CertificateArn: CERT })],
    });
    expect(https?.DefaultActions?.[0]).toMatchObject({
      Type: 'forward',
      TargetGroupArn: tg?.TargetGroupArn,
    });
  });

  it('creates an encrypted, private, Multi-AZ PostgreSQL with 7-day backups and a read replica', async () => {
    const writer = (
      await aws.rds.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: `pardon-${ENV}-db` }),
      )
    ).DBInstances?.[0];
    expect(writer).toMatchObject({
      Engine: 'postgres',
      StorageEncrypted: true,
      MultiAZ: true,
      PubliclyAccessible: false,
      BackupRetentionPeriod: 7,
    });
    const replica = (
      await aws.rds.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: `pardon-${ENV}-db-replica` }),
      )
    ).DBInstances?.[0];
    expect(replica).toMatchObject({
      ReadReplicaSourceDBInstanceIdentifier: `pardon-${ENV}-db`,
      PubliclyAccessible: false,
    });
  });

  it('registers 8 containers that read every secret by ARN, with the gateway health check', async () => {
    const { taskDefinition } = await serviceState();
    const td = (await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })))
      .taskDefinition;
    expect(td).toMatchObject({ cpu: '2048', memory: '8192', networkMode: 'awsvpc' });
    const containers = td?.containerDefinitions ?? [];
    expect(containers).toHaveLength(8);
    const secretArns = new Set(
      (
        await aws.secrets.send(
          new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [`pardon-${ENV}/`] }] }),
        )
      ).SecretList?.map((s) => s.ARN),
    );
    for (const c of containers) {
      for (const s of c.secrets ?? []) {
        expect(s.valueFrom).toMatch(/^arn:aws:secretsmanager:/);
        expect(secretArns.has(s.valueFrom)).toBe(true);
      }
      for (const e of c.environment ?? []) {
        expect([
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
        ]).not.toContain(e.name);
      }
    }
    expect(containers[0]?.healthCheck?.command).toEqual(['CMD', 'node', '-e', HEALTH_CHECK_SCRIPT]);
  });

  it('gives the gateway every agent secret and each agent container its own secret only', async () => {
    const { taskDefinition } = await serviceState();
    const containers =
      (await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition
        ?.containerDefinitions ?? [];
    const arnOf = new Map(
      (
        await aws.secrets.send(
          new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [`pardon-${ENV}/`] }] }),
        )
      ).SecretList?.map((s) => [s.Name, s.ARN]),
    );
    const agentSecretArn = (id: string) => arnOf.get(`pardon-${ENV}/agent-secret-${id}`);
    const byName = new Map(containers.map((c) => [c.name, c]));
    const secretsOf = (name: string) =>
      (byName.get(name)?.secrets ?? []).map((s) => [s.name, s.valueFrom]);

    const gatewayAgentSecrets = secretsOf('gateway').filter(([n]) => n?.startsWith('AGENT_SECRET'));
    expect(gatewayAgentSecrets).toHaveLength(6);
    expect(Object.fromEntries(gatewayAgentSecrets)).toEqual(
      Object.fromEntries(AGENT_IDS.map((id) => [agentSecretEnvName(id), agentSecretArn(id)])),
    );
    const agentArns = new Set(AGENT_IDS.map(agentSecretArn));
    expect(agentArns.size).toBe(6);
    for (const id of AGENT_IDS) {
      const own = secretsOf(`agent-${id}`);
      expect(own.filter(([n]) => n?.startsWith('AGENT_SECRET'))).toEqual([
        ['AGENT_SECRET', agentSecretArn(id)],
      ]);
      expect(own.filter(([, arn]) => agentArns.has(arn))).toEqual([
        ['AGENT_SECRET', agentSecretArn(id)],
      ]);
    }
    expect(secretsOf('cron-worker').map(([n]) => n)).toEqual(['DATABASE_URL', 'OPS_TOKEN']);
    const text = JSON.stringify(containers);
    expect(text).not.toContain('agent-api-key');
    expect(text).not.toContain('AGENT_API_KEY');
  });

  it('starts with premium payments off: PAYMENT_CHAIN=off and no RPC URL referenced', async () => {
    const { taskDefinition } = await serviceState();
    const containers =
      (await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition
        ?.containerDefinitions ?? [];
    const byName = new Map(containers.map((c) => [c.name, c]));
    for (const name of ['gateway', 'cron-worker']) {
      const c = byName.get(name);
      expect((c?.environment ?? []).filter((e) => /^(PAYMENT|SOLANA)_/.test(e.name ?? ''))).toEqual(
        [{ name: 'PAYMENT_CHAIN', value: 'off' }],
      );
    }
    const secretNames = containers.flatMap((c) => (c.secrets ?? []).map((s) => s.name));
    expect(secretNames).not.toContain('SOLANA_RPC_URL');
  });

  it('creates the log group, alarm topic, dashboard and every secret, with generated values', async () => {
    const groups = await aws.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: `/ecs/pardon-${ENV}` }),
    );
    expect(groups.logGroups?.[0]).toMatchObject({
      logGroupName: `/ecs/pardon-${ENV}`,
      retentionInDays: config.logRetentionDays,
    });
    const dashboards = await aws.cloudwatch.send(
      new ListDashboardsCommand({ DashboardNamePrefix: `pardon-${ENV}` }),
    );
    expect(dashboards.DashboardEntries?.map((d) => d.DashboardName)).toEqual([`pardon-${ENV}`]);
    const secrets = await aws.secrets.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [`pardon-${ENV}/`] }] }),
    );
    expect(secrets.SecretList?.map((x) => x.Name).sort()).toEqual(
      [
        ...AGENT_IDS.map((id) => `agent-secret-${id}`),
        'cron-secret',
        'database-read-url',
        'database-url',
        'db-master-password',
        'llm-api-key',
        'ops-token',
        'solana-rpc-url',
        'token-secret',
      ]
        .map((id) => `pardon-${ENV}/${id}`)
        .sort(),
    );
    const value = async (id: string): Promise<string | undefined> =>
      (await aws.secrets.send(new GetSecretValueCommand({ SecretId: `pardon-${ENV}/${id}` })))
        .SecretString;
    expect(await value('token-secret')).toMatch(/^[A-Za-z0-9]{64}$/);
    const agentValues = await Promise.all(AGENT_IDS.map((id) => value(`agent-secret-${id}`)));
    for (const v of agentValues) expect(v).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(new Set(agentValues).size).toBe(6);
    const writer = (
      await aws.rds.send(
        new DescribeDBInstancesCommand({ DBInstanceIdentifier: `pardon-${ENV}-db` }),
      )
    ).DBInstances?.[0];
    const url = new URL((await value('database-url')) as string);
    expect(url.hostname).toBe(writer?.Endpoint?.Address);
    expect(decodeURIComponent(url.password)).toBe(await value('db-master-password'));
  });

  it('plans nothing on a second run', async () => {
    const run = await cli(['plan', ...common, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ empty: true, changes: [] });
  });

  it('repairs settings changed by hand and plans nothing afterwards', async () => {
    const tg = (
      await aws.elb.send(new DescribeTargetGroupsCommand({ Names: [`pardon-${ENV}-tg`] }))
    ).TargetGroups?.[0];
    await aws.elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg?.TargetGroupArn,
        Attributes: [{ Key: 'stickiness.lb_cookie.duration_seconds', Value: '60' }],
      }),
    );
    const tasks = (
      await aws.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [{ Name: 'group-name', Values: [`pardon-${ENV}-tasks`] }],
        }),
      )
    ).SecurityGroups?.[0];
    await aws.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: tasks?.GroupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ],
      }),
    );
    const drift = JSON.parse((await cli(['plan', ...common, '--json'])).stdout) as {
      changes: { key: string; action: string }[];
    };
    expect(drift.changes.map((c) => [c.key, c.action]).sort()).toEqual([
      ['security-group/tasks', 'update'],
      ['target-group', 'update'],
    ]);
    expect((await cli(['apply', ...common, '--json'])).code).toBe(0);
    expect(JSON.parse((await cli(['plan', ...common, '--json'])).stdout)).toMatchObject({
      empty: true,
    });
    const fixed = (
      await aws.ec2.send(
        new DescribeSecurityGroupsCommand({ GroupIds: [tasks?.GroupId as string] }),
      )
    ).SecurityGroups?.[0];
    expect(fixed?.IpPermissions?.map((p) => p.FromPort)).toEqual([5555]);
  });

  it('refuses a change that needs a resource replaced and changes nothing', async () => {
    const moved = join(mkdtempSync(join(tmpdir(), 'infra-e2e-')), 'moved.json');
    writeFileSync(
      moved,
      JSON.stringify({
        staging: {
          certificateArn: CERT,
          vpcCidr: '10.99.0.0/16',
          publicSubnetCidrs: ['10.99.0.0/24', '10.99.1.0/24'],
          privateSubnetCidrs: ['10.99.10.0/24', '10.99.11.0/24'],
        },
      }),
    );
    const run = await cli(['apply', '--env', ENV, '--config', moved, '--json']);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stderr)).toMatchObject({
      error: 'INFRA_ERR_REPLACE_REQUIRED',
      message: expect.stringContaining('vpc (cidrBlock)'),
    });
    expect(JSON.parse((await cli(['plan', ...common, '--json'])).stdout)).toMatchObject({
      empty: true,
    });
  });

  let firstRevision = 0;
  it('deploys a new image tag as revision N+1 and points the service at it', async () => {
    const before = await serviceState();
    firstRevision = Number(before.taskDefinition.split(':').pop());
    const run = await cli(['deploy', ...common, '--image-tag', 'v2.0.1', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { revision: number; previousRevision: number };
    expect(out).toMatchObject({ previousRevision: firstRevision, revision: firstRevision + 1 });
    const after = await serviceState();
    expect(after.taskDefinition).toMatch(new RegExp(`:${firstRevision + 1}$`));
    const td = (
      await aws.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: after.taskDefinition }),
      )
    ).taskDefinition;
    expect(new Set(td?.containerDefinitions?.map((c) => c.image))).toEqual(
      new Set([`${config.imageRepository}:v2.0.1`]),
    );
    // apply keeps what deploy rolled out
    expect(JSON.parse((await cli(['plan', ...common, '--json'])).stdout)).toMatchObject({
      empty: true,
    });
  });

  it('rejects a malformed image tag and changes nothing (real process)', async () => {
    const before = await serviceState();
    const run = await cliProcess(['deploy', ...common, '--image-tag', '-bad tag', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toMatchObject({
      error: 'INFRA_ERR_INPUT',
      message: expect.stringContaining('malformed image tag'),
    });
    expect(await serviceState()).toEqual(before);
  });

  it('rolls back to the previous revision', async () => {
    const run = await cli(['rollback', ...common, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      fromRevision: firstRevision + 1,
      toRevision: firstRevision,
    });
    expect((await serviceState()).taskDefinition).toMatch(new RegExp(`:${firstRevision}$`));
  });

  it('refuses to roll back past the first revision and changes nothing (real process)', async () => {
    const before = await serviceState();
    const run = await cliProcess(['rollback', ...common]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('INFRA_ERR_NO_EARLIER_REVISION');
    expect(run.stderr).toContain(
      `runs revision ${firstRevision} and there is no earlier active revision`,
    );
    expect(await serviceState()).toEqual(before);
  });

  it('rolls forward with --to and rejects a revision that does not exist', async () => {
    expect((await cli(['rollback', ...common, '--to', String(firstRevision + 1)])).code).toBe(0);
    const bad = await cli(['rollback', ...common, '--to', '99']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('revision 99');
    expect((await serviceState()).taskDefinition).toMatch(new RegExp(`:${firstRevision + 1}$`));
  });

  it('stores a secret read from standard input without echoing it (real process)', async () => {
    const value = 'sk-e2e-7f3a9c-never-printed';
    const run = await cliProcess(['secrets', 'set', 'llm-api-key', ...common], `${value}\n`);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(value);
    const stored = await aws.secrets.send(
      new GetSecretValueCommand({ SecretId: `pardon-${ENV}/llm-api-key` }),
    );
    expect(stored.SecretString).toBe(value);
    const unknown = await cli(['secrets', 'set', 'nope', ...common], value);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown secret "nope"');
  });

  it('runs the migrations of the next release as a one-off task, which deploy then reuses', async () => {
    const before = await serviceState();
    const next = firstRevision + 2;
    const run = await cli(['migrate', ...common, '--image-tag', 'v3.0.0', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      taskArn: string;
      exitCode: number;
      lastStatus: string;
      revision: number;
    };
    expect(out).toMatchObject({ exitCode: 0, lastStatus: 'STOPPED', revision: next });
    const task = (
      await aws.ecs.send(
        new DescribeTasksCommand({ cluster: `pardon-${ENV}`, tasks: [out.taskArn] }),
      )
    ).tasks?.[0];
    expect(task?.taskDefinitionArn).toMatch(new RegExp(`:${next}$`));
    expect(task?.overrides?.containerOverrides).toEqual([
      expect.objectContaining({ name: 'gateway', command: config.migrateCommand }),
    ]);
    // the migration does not switch traffic
    expect((await serviceState()).taskDefinition).toBe(before.taskDefinition);

    const deployed = await cli(['deploy', ...common, '--image-tag', 'v3.0.0', '--json']);
    expect(JSON.parse(deployed.stdout)).toMatchObject({ revision: next });
    expect((await serviceState()).revisions).toHaveLength(before.revisions.length + 1);
  });

  it('turns premium payments on from an override file: the gateway and cron-worker read the RPC URL secret', async () => {
    const mint = '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU';
    const treasury = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
    const paidFile = join(mkdtempSync(join(tmpdir(), 'infra-e2e-')), 'payments.json');
    writeFileSync(
      paidFile,
      JSON.stringify({
        staging: {
          certificateArn: CERT,
          payments: { chain: 'rpc', cluster: 'devnet', mint, treasury },
        },
      }),
    );
    const paid = ['--env', ENV, '--config', paidFile];
    const planned = JSON.parse((await cli(['plan', ...paid, '--json'])).stdout) as {
      changes: { key: string; action: string }[];
    };
    expect(planned.changes.map((c) => c.key)).toContain('task-definition');
    const applied = await cli(['apply', ...paid, '--json']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);

    const { taskDefinition } = await serviceState();
    const containers =
      (await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition
        ?.containerDefinitions ?? [];
    const rpcArn = (
      await aws.secrets.send(
        new ListSecretsCommand({
          Filters: [{ Key: 'name', Values: [`pardon-${ENV}/solana-rpc-url`] }],
        }),
      )
    ).SecretList?.[0]?.ARN;
    expect(rpcArn).toBeDefined();
    const byName = new Map(containers.map((c) => [c.name, c]));
    for (const name of ['gateway', 'cron-worker']) {
      const env = Object.fromEntries(
        (byName.get(name)?.environment ?? []).map((e) => [e.name, e.value]),
      );
      expect(env).toMatchObject({
        PAYMENT_CHAIN: 'rpc',
        PAYMENT_CLUSTER: 'devnet',
        SOLANA_COMMITMENT: 'confirmed',
        PAYMENT_MINT: mint,
        PAYMENT_TREASURY: treasury,
        PAYMENT_SYMBOL: 'PARDON',
        PAYMENT_INTENT_TTL_MS: '600000',
      });
      expect(byName.get(name)?.secrets).toContainEqual({
        name: 'SOLANA_RPC_URL',
        valueFrom: rpcArn,
      });
    }
    expect(
      byName.get('cron-worker')?.environment?.find((e) => e.name === 'PAYMENT_CURRENCIES')?.value,
    ).toBe(mint);
    for (const id of AGENT_IDS)
      expect(byName.get(`agent-${id}`)?.secrets?.map((s) => s.name)).not.toContain(
        'SOLANA_RPC_URL',
      );
    expect(JSON.parse((await cli(['plan', ...paid, '--json'])).stdout)).toMatchObject({
      empty: true,
    });

    const url = 'https://devnet.example-rpc.test/?api-key=e2e-never-printed';
    const set = await cliProcess(['secrets', 'set', 'solana-rpc-url', ...paid], `${url}\n`);
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(url);
    expect(
      (
        await aws.secrets.send(
          new GetSecretValueCommand({ SecretId: `pardon-${ENV}/solana-rpc-url` }),
        )
      ).SecretString,
    ).toBe(url);
  });

  it('shows service counts, deployments, target health and alarms', async () => {
    const run = await cli(['status', ...common, '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      service: { desired: number };
      deployments: unknown[];
      targets: unknown[];
      alarms: unknown[];
    };
    expect(out.service.desired).toBe(3);
    expect((out as unknown as { loadBalancerDns: string }).loadBalancerDns).toMatch(
      /^pardon-staging-alb/,
    );
    expect(out.deployments.length).toBeGreaterThan(0);
    expect(out.alarms).toHaveLength(8);
    expect(Array.isArray(out.targets)).toBe(true);
  });

  it('destroys the environment and leaves nothing of it behind', async () => {
    const refused = await cli(['destroy', ...common]);
    expect(refused.code).toBe(3);
    const run = await cli(['destroy', ...common, '--yes', '--json']);
    expect(run.code).toBe(0);
    const p = `pardon-${ENV}`;
    expect(
      (
        await aws.ec2.send(
          new DescribeVpcsCommand({ Filters: [{ Name: 'tag:pardon:env', Values: [ENV] }] }),
        )
      ).Vpcs,
    ).toEqual([]);
    expect(
      (await aws.ecs.send(new DescribeClustersCommand({ clusters: [p] }))).clusters?.filter(
        (c) => c.status === 'ACTIVE',
      ),
    ).toEqual([]);
    expect((await serviceState()).revisions).toEqual([]);
    await expect(
      aws.elb.send(new DescribeLoadBalancersCommand({ Names: [`${p}-alb`] })),
    ).rejects.toThrow();
    await expect(
      aws.elb.send(new DescribeTargetGroupsCommand({ Names: [`${p}-tg`] })),
    ).rejects.toThrow();
    await expect(
      aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${p}-db` })),
    ).rejects.toThrow();
    await expect(
      aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${p}-db-replica` })),
    ).rejects.toThrow();
    await expect(
      aws.iam.send(new GetRoleCommand({ RoleName: `${p}-execution` })),
    ).rejects.toThrow();
    expect(
      (
        await aws.secrets.send(
          new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [`${p}/`] }] }),
        )
      ).SecretList,
    ).toEqual([]);
    expect(
      (await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${p}-` })))
        .MetricAlarms,
    ).toEqual([]);
    expect(
      (await aws.cloudwatch.send(new ListDashboardsCommand({ DashboardNamePrefix: p })))
        .DashboardEntries,
    ).toEqual([]);
    expect(
      (await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/ecs/${p}` })))
        .logGroups,
    ).toEqual([]);
    expect(
      (await aws.sns.send(new ListTopicsCommand({}))).Topics?.filter((t) =>
        t.TopicArn?.endsWith(`:${p}-alarms`),
      ),
    ).toEqual([]);
    const resourceId = `service/${p}/${p}-app`;
    expect(
      (
        await aws.scaling.send(
          new DescribeScalableTargetsCommand({
            ServiceNamespace: 'ecs',
            ResourceIds: [resourceId],
          }),
        )
      ).ScalableTargets,
    ).toEqual([]);
    const plan = JSON.parse((await cli(['plan', ...common, '--json'])).stdout) as {
      changes: { action: string }[];
    };
    expect(plan.changes.every((c) => c.action === 'create')).toBe(true);
    expect(plan.changes).toHaveLength(RESOURCE_COUNT);
  });
});

describe('an interrupted apply', () => {
  const dev = ['--env', 'dev', '--config', configFile];

  afterAll(async () => {
    expect((await cli(['destroy', ...dev, '--yes'])).code).toBe(0);
  });

  it('is finished by running apply again, after which the plan is empty', async () => {
    // A wrong certificate ARN makes the HTTPS listener fail half way through, after the network,
    // database and secrets exist: the state an operator finds after a failed or killed apply.
    const badFile = join(mkdtempSync(join(tmpdir(), 'infra-e2e-')), 'bad-cert.json');
    writeFileSync(
      badFile,
      JSON.stringify({
        dev: { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/missing' },
      }),
    );
    const failed = await cli(['apply', '--env', 'dev', '--config', badFile, '--json']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stderr)).toMatchObject({
      error: 'INFRA_ERR_AWS',
      message: expect.stringMatching(/certificate/i),
    });
    const partial = JSON.parse((await cli(['plan', ...dev, '--json'])).stdout) as {
      changes: { action: string }[];
    };
    expect(partial.changes.length).toBeGreaterThan(0);
    expect(partial.changes.length).toBeLessThan(RESOURCE_COUNT);
    expect(partial.changes.every((c) => c.action === 'create')).toBe(true);

    const rerun = await cli(['apply', ...dev, '--json']);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(JSON.parse((await cli(['plan', ...dev, '--json'])).stdout)).toMatchObject({
      empty: true,
    });
  });
});
