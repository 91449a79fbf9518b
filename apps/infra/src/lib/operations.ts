import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RunTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { waitFor, isAwsError } from './aws';
import { type EnvConfig, ImageTagSchema } from './config';
import { GATEWAY_CONTAINER, imageTagOf, names, secretSpecs } from './desired';
import { type EnvState, loadState } from './engine';
import { InfraError } from './errors';
import { activeRevisions, registerTaskDefinition, taskDefinitionProps } from './handlers/compute';
import type { Ctx } from './handlers/types';
import { type Props, resolve } from './model';
import { diffProps } from './plan';

/** `family:N` → N. */
export function revisionOf(arn: string): number {
  const m = /:(\d+)$/.exec(arn);
  if (!m) throw new Error(`not a task-definition revision ARN: ${arn}`);
  return Number(m[1]);
}

async function requireService(ctx: Ctx) {
  const n = names(ctx.config.env);
  try {
    const res = await ctx.aws.ecs.send(
      new DescribeServicesCommand({ cluster: n.cluster, services: [n.service] }),
    );
    const s = res.services?.find((x) => x.status === 'ACTIVE');
    if (s?.taskDefinition) return s;
  } catch (err) {
    if (!isAwsError(err, 'ClusterNotFoundException')) throw err;
  }
  throw new InfraError(
    'INFRA_ERR_NOT_DEPLOYED',
    `${n.service} does not exist in ${ctx.config.env}: run \`infra apply --env ${ctx.config.env}\` first`,
  );
}

export interface DeployResult {
  env: string;
  imageTag: string;
  previousRevision: number;
  revision: number;
  taskDefinitionArn: string;
}

/** Registers revision N+1 with `imageTag` (all containers share the image) and points the service at it. */
function parseTag(imageTag: string): string {
  const tag = ImageTagSchema.safeParse(imageTag);
  if (!tag.success) {
    throw new InfraError(
      'INFRA_ERR_INPUT',
      `malformed image tag "${imageTag}": ${tag.error.issues[0]?.message}`,
    );
  }
  return tag.data;
}

/**
 * The task-definition revision that runs `imageTag`: one registered after the service's current
 * revision with exactly the desired settings (e.g. by `migrate --image-tag`), else a new one.
 */
async function revisionFor(
  ctx: Ctx,
  config: EnvConfig,
  tag: string,
  current: number,
): Promise<string> {
  const state: EnvState = await loadState(ctx, config, tag);
  const td = state.desired.resources.find((r) => r.type === 'task-definition');
  if (!td) throw new Error('desired state has no task definition');
  const ids = new Map([...state.observed].map(([k, o]) => [k, o.attrs]));
  const want = resolve(td.props, ids) as Props;
  for (const arn of await activeRevisions(ctx)) {
    if (revisionOf(arn) <= current) break;
    const have = (
      await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))
    ).taskDefinition;
    if (have && diffProps(want, taskDefinitionProps(have)).length === 0) return arn;
  }
  return (await registerTaskDefinition(ctx, td.name, want))['arn'] as string;
}

/** Points the service at a revision (N+1) running `imageTag`; all containers share the image. */
export async function deploy(ctx: Ctx, config: EnvConfig, imageTag: string): Promise<DeployResult> {
  const tag = parseTag(imageTag);
  const service = await requireService(ctx);
  const previous = revisionOf(service.taskDefinition as string);
  const arn = await revisionFor(ctx, config, tag, previous);
  await ctx.aws.ecs.send(
    new UpdateServiceCommand({
      cluster: service.clusterArn,
      service: service.serviceName,
      taskDefinition: arn,
    }),
  );
  return {
    env: config.env,
    imageTag: tag,
    previousRevision: previous,
    revision: revisionOf(arn),
    taskDefinitionArn: arn,
  };
}

export interface RollbackResult {
  env: string;
  fromRevision: number;
  toRevision: number;
  taskDefinitionArn: string;
}

/** Points the service at the previous ACTIVE revision, or at `to`. */
export async function rollback(ctx: Ctx, to?: string): Promise<RollbackResult> {
  let target: number | undefined;
  if (to !== undefined) {
    if (!/^[1-9]\d{0,8}$/.test(to))
      throw new InfraError('INFRA_ERR_INPUT', `--to must be a revision number, got "${to}"`);
    target = Number(to);
  }
  const service = await requireService(ctx);
  const current = revisionOf(service.taskDefinition as string);
  const revisions = (await activeRevisions(ctx)).map((arn) => ({ arn, revision: revisionOf(arn) }));
  const pick =
    target !== undefined
      ? revisions.find((r) => r.revision === target)
      : revisions.filter((r) => r.revision < current).sort((a, b) => b.revision - a.revision)[0];
  if (target === current)
    throw new InfraError('INFRA_ERR_INPUT', `the service already runs revision ${current}`);
  if (!pick) {
    throw new InfraError(
      'INFRA_ERR_NO_EARLIER_REVISION',
      target !== undefined
        ? `revision ${target} of ${names(ctx.config.env).family} does not exist or is inactive (active: ${revisions.map((r) => r.revision).join(', ')})`
        : `the service runs revision ${current} and there is no earlier active revision to roll back to`,
    );
  }
  await ctx.aws.ecs.send(
    new UpdateServiceCommand({
      cluster: service.clusterArn,
      service: service.serviceName,
      taskDefinition: pick.arn,
    }),
  );
  return {
    env: ctx.config.env,
    fromRevision: current,
    toRevision: pick.revision,
    taskDefinitionArn: pick.arn,
  };
}

export interface StatusReport {
  env: string;
  /** Public DNS name of the ALB (point the game's hostname at it). */
  loadBalancerDns: string | null;
  service: {
    name: string;
    status: string;
    desired: number;
    running: number;
    pending: number;
    revision: number;
    imageTag: string | null;
  };
  deployments: {
    id: string;
    status: string;
    rolloutState: string | null;
    revision: number;
    desired: number;
    running: number;
    pending: number;
    failed: number;
  }[];
  targets: { id: string; port: number | null; state: string; reason: string | null }[];
  alarms: { name: string; state: string; reason: string | null }[];
}

/** Service counts, deployments, target health and alarm states of one environment. */
export async function status(ctx: Ctx): Promise<StatusReport> {
  const n = names(ctx.config.env);
  const s = await requireService(ctx);
  const td = await ctx.aws.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: s.taskDefinition }),
  );
  const image =
    td.taskDefinition?.containerDefinitions?.find((c) => c.name === GATEWAY_CONTAINER)?.image ?? '';
  const targets: StatusReport['targets'] = [];
  try {
    const tg = (await ctx.aws.elb.send(new DescribeTargetGroupsCommand({ Names: [n.targetGroup] })))
      .TargetGroups?.[0];
    if (tg?.TargetGroupArn) {
      const h = await ctx.aws.elb.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }),
      );
      for (const t of h.TargetHealthDescriptions ?? [])
        targets.push({
          id: t.Target?.Id ?? '',
          port: t.Target?.Port ?? null,
          state: t.TargetHealth?.State ?? 'unknown',
          reason: t.TargetHealth?.Description ?? t.TargetHealth?.Reason ?? null,
        });
    }
  } catch (err) {
    if (!isAwsError(err, 'TargetGroupNotFound', 'TargetGroupNotFoundException')) throw err;
  }
  const alarms = await ctx.aws.cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmNamePrefix: `${n.prefix}-` }),
  );
  let loadBalancerDns: string | null = null;
  try {
    const lb = await ctx.aws.elb.send(new DescribeLoadBalancersCommand({ Names: [n.alb] }));
    loadBalancerDns = lb.LoadBalancers?.[0]?.DNSName ?? null;
  } catch (err) {
    if (!isAwsError(err, 'LoadBalancerNotFound', 'LoadBalancerNotFoundException')) throw err;
  }
  return {
    env: ctx.config.env,
    loadBalancerDns,
    service: {
      name: s.serviceName ?? n.service,
      status: s.status ?? 'UNKNOWN',
      desired: s.desiredCount ?? 0,
      running: s.runningCount ?? 0,
      pending: s.pendingCount ?? 0,
      revision: revisionOf(s.taskDefinition as string),
      imageTag: imageTagOf(image) ?? null,
    },
    deployments: (s.deployments ?? []).map((d) => ({
      id: d.id ?? '',
      status: d.status ?? '',
      rolloutState: d.rolloutState ?? null,
      revision: d.taskDefinition ? revisionOf(d.taskDefinition) : 0,
      desired: d.desiredCount ?? 0,
      running: d.runningCount ?? 0,
      pending: d.pendingCount ?? 0,
      failed: d.failedTasks ?? 0,
    })),
    targets,
    alarms: (alarms.MetricAlarms ?? []).map((a) => ({
      name: a.AlarmName ?? '',
      state: a.StateValue ?? 'INSUFFICIENT_DATA',
      reason: a.StateReason ?? null,
    })),
  };
}

export function formatStatus(r: StatusReport): string {
  const lines = [
    `${r.env}: service ${r.service.name} ${r.service.status} — revision ${r.service.revision} (image ${r.service.imageTag ?? '?'})`,
    `  tasks: ${r.service.running} running / ${r.service.desired} desired / ${r.service.pending} pending`,
    `  load balancer: ${r.loadBalancerDns ?? '(none)'}`,
    '  deployments:',
    ...r.deployments.map(
      (d) =>
        `    ${d.status.padEnd(8)} rev ${d.revision}  ${d.rolloutState ?? ''}  running ${d.running}/${d.desired}, pending ${d.pending}, failed ${d.failed}`,
    ),
    `  targets (${r.targets.length}):`,
    ...r.targets.map(
      (t) => `    ${t.id}:${t.port ?? ''}  ${t.state}${t.reason ? `  (${t.reason})` : ''}`,
    ),
    '  alarms:',
    ...r.alarms.map((a) => `    ${a.state.padEnd(17)} ${a.name}`),
  ];
  return lines.join('\n');
}

/** Stores an operator-supplied secret value. The value is never printed or logged. */
export async function setSecret(
  ctx: Ctx,
  name: string,
  value: string,
): Promise<{ env: string; secret: string; version: string }> {
  const known = secretSpecs(ctx.config).map((s) => s.id);
  if (!known.includes(name))
    throw new InfraError(
      'INFRA_ERR_INPUT',
      `unknown secret "${name}"; known secrets: ${known.join(', ')}`,
    );
  const trimmed = value.replace(/\r?\n$/, '');
  if (trimmed.length === 0)
    throw new InfraError('INFRA_ERR_INPUT', 'empty secret value on standard input');
  const secretId = names(ctx.config.env).secret(name);
  try {
    const res = await ctx.aws.secrets.send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: trimmed }),
    );
    return { env: ctx.config.env, secret: secretId, version: res.VersionId ?? '' };
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException'))
      throw new InfraError(
        'INFRA_ERR_NOT_DEPLOYED',
        `secret ${secretId} does not exist: run \`infra apply --env ${ctx.config.env}\` first`,
      );
    throw err;
  }
}

export interface MigrateResult {
  env: string;
  taskArn: string;
  revision: number;
  command: string[];
  lastStatus: string;
  exitCode: number | null;
  stoppedReason: string | null;
}

/**
 * Runs the migrations as a one-off task of the service's current task definition, with the
 * gateway container's command overridden, and waits for it to stop.
 */
export async function migrate(
  ctx: Ctx,
  options: { timeoutMs: number; imageTag?: string } = { timeoutMs: 20 * 60_000 },
): Promise<MigrateResult> {
  const tag = options.imageTag === undefined ? undefined : parseTag(options.imageTag);
  const s = await requireService(ctx);
  // With a tag, the migration runs the release about to be deployed (registered, not yet serving).
  const taskDefinition =
    tag === undefined
      ? (s.taskDefinition as string)
      : await revisionFor(ctx, ctx.config, tag, revisionOf(s.taskDefinition as string));
  const command = ctx.config.migrateCommand;
  const net = s.networkConfiguration;
  const run = await ctx.aws.ecs.send(
    new RunTaskCommand({
      cluster: s.clusterArn,
      taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'pardon-infra-migrate',
      ...(net ? { networkConfiguration: net } : {}),
      overrides: { containerOverrides: [{ name: GATEWAY_CONTAINER, command }] },
    }),
  );
  const taskArn = run.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const why = run.failures?.map((f) => `${f.reason ?? ''} ${f.detail ?? ''}`.trim()).join('; ');
    throw new InfraError(
      'INFRA_ERR_MIGRATION_FAILED',
      `the migration task did not start: ${why || 'no reason given'}`,
    );
  }
  ctx.progress(`migration task ${taskArn.split('/').pop()} started; waiting for it to stop`);
  const task = await waitFor(
    'the migration task to stop',
    async () => {
      const d = await ctx.aws.ecs.send(
        new DescribeTasksCommand({ cluster: s.clusterArn, tasks: [taskArn] }),
      );
      const t = d.tasks?.[0];
      if (t?.lastStatus) ctx.progress(`migration task: ${t.lastStatus}`);
      return t?.lastStatus === 'STOPPED' ? t : undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: 5_000 },
  );
  const gateway = task.containers?.find((c) => c.name === GATEWAY_CONTAINER);
  const result: MigrateResult = {
    env: ctx.config.env,
    taskArn,
    revision: revisionOf(taskDefinition),
    command,
    lastStatus: task.lastStatus ?? 'UNKNOWN',
    exitCode: gateway?.exitCode ?? null,
    stoppedReason: task.stoppedReason ?? null,
  };
  if (result.exitCode !== 0) {
    throw Object.assign(
      new InfraError(
        'INFRA_ERR_MIGRATION_FAILED',
        `migration task ${taskArn} stopped with exit code ${result.exitCode ?? 'unknown'}${result.stoppedReason ? ` (${result.stoppedReason})` : ''}`,
      ),
      { result },
    );
  }
  return result;
}
