import {
  DeleteAlarmsCommand,
  DeleteDashboardsCommand,
  DescribeAlarmsCommand,
  GetDashboardCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  type ContainerDefinition,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  type TaskDefinition,
  UpdateClusterSettingsCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  type Action as ElbAction,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  type LoadBalancer,
  ModifyListenerCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isAwsError, waitFor } from '../aws';
import { names } from '../desired';
import type { Json, Props } from '../model';
import { changed, type Ctx, type Handler, tagList } from './types';

/** `targetgroup/NAME/ID` and `app/NAME/ID`: the dimension values CloudWatch uses. */
const arnSuffix = (arn: string, marker: string): string => arn.slice(arn.indexOf(marker) + 1);

export const targetGroupHandler: Handler = {
  rules: { immutable: ['vpcId', 'protocol', 'port', 'targetType'] },
  async read(ctx, r) {
    let tg;
    try {
      tg = (await ctx.aws.elb.send(new DescribeTargetGroupsCommand({ Names: [r.name] })))
        .TargetGroups?.[0];
    } catch (err) {
      if (isAwsError(err, 'TargetGroupNotFound', 'TargetGroupNotFoundException')) return undefined;
      throw err;
    }
    if (!tg?.TargetGroupArn) return undefined;
    const attrs = await ctx.aws.elb.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn }),
    );
    const managed = Object.keys((r.props['attributes'] ?? {}) as object);
    const attributes: Record<string, string> = {};
    for (const a of attrs.Attributes ?? [])
      if (a.Key && managed.includes(a.Key)) attributes[a.Key] = a.Value ?? '';
    return {
      attrs: {
        id: tg.TargetGroupArn,
        arn: tg.TargetGroupArn,
        arnSuffix: arnSuffix(tg.TargetGroupArn, ':targetgroup/'),
      },
      props: {
        vpcId: tg.VpcId ?? null,
        protocol: tg.Protocol ?? null,
        port: tg.Port ?? null,
        targetType: tg.TargetType ?? null,
        healthCheckPath: tg.HealthCheckPath ?? null,
        healthCheckProtocol: tg.HealthCheckProtocol ?? null,
        healthCheckIntervalSeconds: tg.HealthCheckIntervalSeconds ?? null,
        healthCheckTimeoutSeconds: tg.HealthCheckTimeoutSeconds ?? null,
        healthyThresholdCount: tg.HealthyThresholdCount ?? null,
        unhealthyThresholdCount: tg.UnhealthyThresholdCount ?? null,
        matcher: tg.Matcher?.HttpCode ?? null,
        attributes,
      },
    };
  },
  async create(ctx, r, p, ids) {
    const res = await ctx.aws.elb.send(
      new CreateTargetGroupCommand({
        Name: r.name,
        VpcId: p['vpcId'] as string,
        Protocol: p['protocol'] as 'HTTP',
        Port: p['port'] as number,
        TargetType: p['targetType'] as 'ip',
        HealthCheckEnabled: true,
        HealthCheckPath: p['healthCheckPath'] as string,
        HealthCheckProtocol: p['healthCheckProtocol'] as 'HTTP',
        HealthCheckIntervalSeconds: p['healthCheckIntervalSeconds'] as number,
        HealthCheckTimeoutSeconds: p['healthCheckTimeoutSeconds'] as number,
        HealthyThresholdCount: p['healthyThresholdCount'] as number,
        UnhealthyThresholdCount: p['unhealthyThresholdCount'] as number,
        Matcher: { HttpCode: p['matcher'] as string },
        Tags: tagList(ctx, r.name),
      }),
    );
    const arn = res.TargetGroups?.[0]?.TargetGroupArn as string;
    await this.update(
      ctx,
      r,
      p,
      { attrs: { arn }, props: {} },
      [{ field: 'attributes', from: null, to: null }],
      ids,
    );
    return { id: arn, arn, arnSuffix: arnSuffix(arn, ':targetgroup/') };
  },
  async update(ctx, _r, p, have, fields) {
    const TargetGroupArn = have.attrs['arn'] as string;
    if (
      changed(
        fields,
        'healthCheckPath',
        'healthCheckProtocol',
        'healthCheckIntervalSeconds',
        'healthCheckTimeoutSeconds',
        'healthyThresholdCount',
        'unhealthyThresholdCount',
        'matcher',
      )
    ) {
      await ctx.aws.elb.send(
        new ModifyTargetGroupCommand({
          TargetGroupArn,
          HealthCheckPath: p['healthCheckPath'] as string,
          HealthCheckProtocol: p['healthCheckProtocol'] as 'HTTP',
          HealthCheckIntervalSeconds: p['healthCheckIntervalSeconds'] as number,
          HealthCheckTimeoutSeconds: p['healthCheckTimeoutSeconds'] as number,
          HealthyThresholdCount: p['healthyThresholdCount'] as number,
          UnhealthyThresholdCount: p['unhealthyThresholdCount'] as number,
          Matcher: { HttpCode: p['matcher'] as string },
        }),
      );
    }
    if (changed(fields, 'attributes')) {
      await ctx.aws.elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn,
          Attributes: Object.entries(p['attributes'] as Record<string, string>).map(
            ([Key, Value]) => ({ Key, Value }),
          ),
        }),
      );
    }
  },
  async delete(ctx, _r, have) {
    await ctx.aws.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: have.attrs['arn'] }));
  },
};

async function describeLb(ctx: Ctx, name: string): Promise<LoadBalancer | undefined> {
  try {
    return (await ctx.aws.elb.send(new DescribeLoadBalancersCommand({ Names: [name] })))
      .LoadBalancers?.[0];
  } catch (err) {
    if (isAwsError(err, 'LoadBalancerNotFound', 'LoadBalancerNotFoundException')) return undefined;
    throw err;
  }
}

const lbAttrs = (lb: LoadBalancer): Record<string, string> => ({
  id: lb.LoadBalancerArn as string,
  arn: lb.LoadBalancerArn as string,
  arnSuffix: arnSuffix(lb.LoadBalancerArn as string, ':loadbalancer/'),
  dnsName: lb.DNSName ?? '',
});

export const loadBalancerHandler: Handler = {
  rules: { immutable: ['scheme', 'type'], unordered: ['subnets', 'securityGroups'] },
  async read(ctx, r) {
    const lb = await describeLb(ctx, r.name);
    if (!lb?.LoadBalancerArn) return undefined;
    return {
      attrs: lbAttrs(lb),
      props: {
        scheme: lb.Scheme ?? null,
        type: lb.Type ?? null,
        subnets: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId as string).sort(),
        securityGroups: [...(lb.SecurityGroups ?? [])].sort(),
      },
    };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.elb.send(
      new CreateLoadBalancerCommand({
        Name: r.name,
        Scheme: p['scheme'] as 'internet-facing',
        Type: p['type'] as 'application',
        Subnets: p['subnets'] as string[],
        SecurityGroups: p['securityGroups'] as string[],
        Tags: tagList(ctx, r.name),
      }),
    );
    const arn = res.LoadBalancers?.[0]?.LoadBalancerArn as string;
    ctx.progress('waiting for the load balancer to become active');
    const lb = await waitFor('load balancer active', async () => {
      const d = await ctx.aws.elb.send(
        new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }),
      );
      const x = d.LoadBalancers?.[0];
      return x?.State?.Code === 'active' ? x : undefined;
    });
    return lbAttrs(lb);
  },
  async update(ctx, _r, p, have, fields) {
    const LoadBalancerArn = have.attrs['arn'];
    if (changed(fields, 'subnets'))
      await ctx.aws.elb.send(
        new SetSubnetsCommand({ LoadBalancerArn, Subnets: p['subnets'] as string[] }),
      );
    if (changed(fields, 'securityGroups'))
      await ctx.aws.elb.send(
        new SetSecurityGroupsCommand({
          LoadBalancerArn,
          SecurityGroups: p['securityGroups'] as string[],
        }),
      );
  },
  async delete(ctx, r, have) {
    await ctx.aws.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: have.attrs['arn'] }));
    await waitFor('load balancer deleted', async () =>
      (await describeLb(ctx, r.name)) ? undefined : true,
    );
  },
};

function normalizeAction(a: ElbAction | undefined): Json {
  if (!a) return null;
  if (a.Type === 'redirect')
    return {
      type: 'redirect',
      protocol: a.RedirectConfig?.Protocol ?? null,
      port: a.RedirectConfig?.Port ?? null,
      statusCode: a.RedirectConfig?.StatusCode ?? null,
    };
  return {
    type: a.Type ?? null,
    targetGroupArn: a.TargetGroupArn ?? a.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn ?? null,
  };
}

function toAction(p: Props): ElbAction {
  const a = p['defaultAction'] as Record<string, string>;
  if (a['type'] === 'redirect')
    return {
      Type: 'redirect',
      RedirectConfig: {
        Protocol: a['protocol'],
        Port: a['port'],
        StatusCode: a['statusCode'] as 'HTTP_301',
      },
    };
  return { Type: 'forward', TargetGroupArn: a['targetGroupArn'] };
}

export const listenerHandler: Handler = {
  rules: { immutable: ['loadBalancerArn', 'port'] },
  async read(ctx, r, ids) {
    const lbArn = ids.get('load-balancer')?.['arn'];
    if (!lbArn) return undefined;
    const res = await ctx.aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    const l = res.Listeners?.find((x) => x.Port === r.props['port']);
    if (!l?.ListenerArn) return undefined;
    const props: Props = {
      loadBalancerArn: l.LoadBalancerArn ?? null,
      protocol: l.Protocol ?? null,
      port: l.Port ?? null,
      certificateArn: l.Certificates?.[0]?.CertificateArn ?? null,
      defaultAction: normalizeAction(l.DefaultActions?.[0]),
    };
    if (l.SslPolicy) props['sslPolicy'] = l.SslPolicy;
    return { attrs: { id: l.ListenerArn, arn: l.ListenerArn }, props };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: p['loadBalancerArn'] as string,
        Protocol: p['protocol'] as 'HTTP',
        Port: p['port'] as number,
        ...(typeof p['certificateArn'] === 'string'
          ? { Certificates: [{ CertificateArn: p['certificateArn'] }] }
          : {}),
        ...(typeof p['sslPolicy'] === 'string' ? { SslPolicy: p['sslPolicy'] } : {}),
        DefaultActions: [toAction(p)],
        Tags: tagList(ctx, r.name),
      }),
    );
    const arn = res.Listeners?.[0]?.ListenerArn as string;
    return { id: arn, arn };
  },
  async update(ctx, _r, p, have) {
    await ctx.aws.elb.send(
      new ModifyListenerCommand({
        ListenerArn: have.attrs['arn'],
        Protocol: p['protocol'] as 'HTTP',
        ...(typeof p['certificateArn'] === 'string'
          ? { Certificates: [{ CertificateArn: p['certificateArn'] }] }
          : {}),
        ...(typeof p['sslPolicy'] === 'string' ? { SslPolicy: p['sslPolicy'] } : {}),
        DefaultActions: [toAction(p)],
      }),
    );
  },
  async delete(ctx, _r, have) {
    await ctx.aws.elb.send(new DeleteListenerCommand({ ListenerArn: have.attrs['arn'] }));
  },
};

export const clusterHandler: Handler = {
  async read(ctx, r) {
    const res = await ctx.aws.ecs.send(
      new DescribeClustersCommand({ clusters: [r.name], include: ['SETTINGS'] }),
    );
    const c = res.clusters?.find((x) => x.status === 'ACTIVE');
    if (!c?.clusterArn) return undefined;
    const props: Props = {};
    const insights = c.settings?.find((s) => s.name === 'containerInsights')?.value;
    if (insights) props['containerInsights'] = insights;
    return { attrs: { id: r.name, arn: c.clusterArn }, props };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.ecs.send(
      new CreateClusterCommand({
        clusterName: r.name,
        settings: [{ name: 'containerInsights', value: p['containerInsights'] as string }],
        tags: tagList(ctx, r.name).map((t) => ({ key: t.Key, value: t.Value })),
      }),
    );
    return { id: r.name, arn: res.cluster?.clusterArn as string };
  },
  async update(ctx, r, p) {
    await ctx.aws.ecs.send(
      new UpdateClusterSettingsCommand({
        cluster: r.name,
        settings: [{ name: 'containerInsights', value: p['containerInsights'] as string }],
      }),
    );
  },
  async delete(ctx, r) {
    await ctx.aws.ecs.send(new DeleteClusterCommand({ cluster: r.name }));
  },
};

async function describeService(ctx: Ctx): Promise<Service | undefined> {
  const n = names(ctx.config.env);
  try {
    const res = await ctx.aws.ecs.send(
      new DescribeServicesCommand({ cluster: n.cluster, services: [n.service] }),
    );
    return res.services?.find((s) => s.status === 'ACTIVE');
  } catch (err) {
    if (isAwsError(err, 'ClusterNotFoundException')) return undefined;
    throw err;
  }
}

/** ACTIVE revisions of the family, newest first. */
export async function activeRevisions(ctx: Ctx): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const res = await ctx.aws.ecs.send(
      new ListTaskDefinitionsCommand({
        familyPrefix: names(ctx.config.env).family,
        status: 'ACTIVE',
        sort: 'DESC',
        nextToken,
      }),
    );
    out.push(...(res.taskDefinitionArns ?? []));
    nextToken = res.nextToken;
  } while (nextToken);
  // Sorted here too: not every backend honours sort=DESC.
  const revision = (arn: string): number => Number(arn.slice(arn.lastIndexOf(':') + 1));
  return out.sort((a, b) => revision(b) - revision(a));
}

/** The task definition the service runs (or, before the service exists, the newest revision). */
export async function currentTaskDefinitionArn(ctx: Ctx): Promise<string | undefined> {
  return (await describeService(ctx))?.taskDefinition ?? (await activeRevisions(ctx))[0];
}

/** The settings of a registered revision, in the shape of the desired state. */
export function taskDefinitionProps(td: TaskDefinition): Props {
  return {
    family: td.family ?? null,
    cpu: td.cpu ?? null,
    memory: td.memory ?? null,
    networkMode: td.networkMode ?? null,
    requiresCompatibilities: td.requiresCompatibilities ?? [],
    executionRoleArn: td.executionRoleArn ?? null,
    taskRoleArn: td.taskRoleArn ?? null,
    containerDefinitions: (td.containerDefinitions ?? []) as unknown as Json[],
  };
}

export const taskDefinitionHandler: Handler = {
  rules: { newIdOnUpdate: true },
  async read(ctx) {
    const arn = await currentTaskDefinitionArn(ctx);
    if (!arn) return undefined;
    const td = (await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })))
      .taskDefinition;
    if (!td?.taskDefinitionArn) return undefined;
    return {
      attrs: {
        id: td.taskDefinitionArn,
        arn: td.taskDefinitionArn,
        revision: String(td.revision ?? 0),
      },
      props: taskDefinitionProps(td),
    };
  },
  async create(ctx, r, p) {
    return registerTaskDefinition(ctx, r.name, p);
  },
  async update(ctx, r, p) {
    return registerTaskDefinition(ctx, r.name, p);
  },
  async delete(ctx) {
    for (const arn of await activeRevisions(ctx)) {
      await ctx.aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    }
  },
};

/** Registers a new revision of the family from resolved desired settings. */
export async function registerTaskDefinition(
  ctx: Ctx,
  name: string,
  p: Props,
): Promise<Record<string, string>> {
  const res = await ctx.aws.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: p['family'] as string,
      cpu: p['cpu'] as string,
      memory: p['memory'] as string,
      networkMode: p['networkMode'] as 'awsvpc',
      requiresCompatibilities: p['requiresCompatibilities'] as 'FARGATE'[],
      executionRoleArn: p['executionRoleArn'] as string,
      taskRoleArn: p['taskRoleArn'] as string,
      containerDefinitions: p['containerDefinitions'] as unknown as ContainerDefinition[],
      tags: tagList(ctx, name).map((t) => ({ key: t.Key, value: t.Value })),
    }),
  );
  const td = res.taskDefinition;
  return {
    id: td?.taskDefinitionArn as string,
    arn: td?.taskDefinitionArn as string,
    revision: String(td?.revision ?? 0),
  };
}

function serviceProps(s: Service): Props {
  const net = s.networkConfiguration?.awsvpcConfiguration;
  const props: Props = {
    cluster: s.clusterArn ?? null,
    taskDefinition: s.taskDefinition ?? null,
    desiredCount: s.desiredCount ?? null,
    launchType: s.launchType ?? null,
    networkConfiguration: {
      subnets: [...(net?.subnets ?? [])].sort(),
      securityGroups: [...(net?.securityGroups ?? [])].sort(),
      assignPublicIp: net?.assignPublicIp ?? 'DISABLED',
    },
    loadBalancers: (s.loadBalancers ?? []).map((l) => ({
      targetGroupArn: l.targetGroupArn ?? null,
      containerName: l.containerName ?? null,
      containerPort: l.containerPort ?? null,
    })),
  };
  if (s.platformVersion) props['platformVersion'] = s.platformVersion;
  // Settings an emulator may not keep (see DEPENDENCIES.md): reported only when returned.
  const dc = s.deploymentConfiguration;
  if (dc) {
    const d: { [k: string]: Json } = {};
    if (dc.deploymentCircuitBreaker)
      d['deploymentCircuitBreaker'] = {
        enable: dc.deploymentCircuitBreaker.enable ?? false,
        rollback: dc.deploymentCircuitBreaker.rollback ?? false,
      };
    if (dc.minimumHealthyPercent !== undefined)
      d['minimumHealthyPercent'] = dc.minimumHealthyPercent;
    if (dc.maximumPercent !== undefined) d['maximumPercent'] = dc.maximumPercent;
    props['deploymentConfiguration'] = d;
  }
  if (s.healthCheckGracePeriodSeconds !== undefined)
    props['healthCheckGracePeriodSeconds'] = s.healthCheckGracePeriodSeconds;
  return props;
}

type ServiceInput = Pick<
  ConstructorParameters<typeof CreateServiceCommand>[0],
  'networkConfiguration' | 'deploymentConfiguration' | 'loadBalancers'
>;

function serviceInput(p: Props): ServiceInput {
  const net = p['networkConfiguration'] as {
    subnets: string[];
    securityGroups: string[];
    assignPublicIp: 'DISABLED';
  };
  return {
    networkConfiguration: { awsvpcConfiguration: net },
    deploymentConfiguration: p[
      'deploymentConfiguration'
    ] as ServiceInput['deploymentConfiguration'],
    loadBalancers: p['loadBalancers'] as ServiceInput['loadBalancers'],
  };
}

export const serviceHandler: Handler = {
  rules: {
    createOnly: ['desiredCount'],
    immutable: ['cluster', 'launchType'],
    unordered: ['networkConfiguration.subnets', 'networkConfiguration.securityGroups'],
  },
  async read(ctx) {
    const s = await describeService(ctx);
    if (!s?.serviceArn) return undefined;
    return { attrs: { id: s.serviceArn, arn: s.serviceArn }, props: serviceProps(s) };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.ecs.send(
      new CreateServiceCommand({
        serviceName: r.name,
        cluster: p['cluster'] as string,
        taskDefinition: p['taskDefinition'] as string,
        desiredCount: p['desiredCount'] as number,
        launchType: p['launchType'] as 'FARGATE',
        platformVersion: p['platformVersion'] as string,
        healthCheckGracePeriodSeconds: p['healthCheckGracePeriodSeconds'] as number,
        propagateTags: 'SERVICE',
        tags: tagList(ctx, r.name).map((t) => ({ key: t.Key, value: t.Value })),
        ...serviceInput(p),
      }),
    );
    return { id: res.service?.serviceArn as string, arn: res.service?.serviceArn as string };
  },
  async update(ctx, r, p) {
    await ctx.aws.ecs.send(
      new UpdateServiceCommand({
        service: r.name,
        cluster: p['cluster'] as string,
        taskDefinition: p['taskDefinition'] as string,
        platformVersion: p['platformVersion'] as string,
        healthCheckGracePeriodSeconds: p['healthCheckGracePeriodSeconds'] as number,
        ...serviceInput(p),
      }),
    );
  },
  async delete(ctx, r) {
    const cluster = names(ctx.config.env).cluster;
    await ctx.aws.ecs.send(new UpdateServiceCommand({ cluster, service: r.name, desiredCount: 0 }));
    await ctx.aws.ecs.send(new DeleteServiceCommand({ cluster, service: r.name, force: true }));
    ctx.progress('waiting for the service to drain');
    await waitFor(
      'service deleted',
      async () => ((await describeService(ctx)) ? undefined : true),
      { timeoutMs: 20 * 60_000 },
    );
  },
};

const ECS_NS = 'ecs' as const;
const DIMENSION = 'ecs:service:DesiredCount' as const;

export const scalableTargetHandler: Handler = {
  async read(ctx, r) {
    const res = await ctx.aws.scaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: ECS_NS,
        ResourceIds: [r.name],
        ScalableDimension: DIMENSION,
      }),
    );
    const t = res.ScalableTargets?.[0];
    if (!t) return undefined;
    return {
      attrs: { id: r.name },
      props: {
        resourceId: t.ResourceId ?? null,
        minCapacity: t.MinCapacity ?? null,
        maxCapacity: t.MaxCapacity ?? null,
      },
    };
  },
  async create(ctx, r, p) {
    await this.update(ctx, r, p, { attrs: {}, props: {} }, [], new Map());
    return { id: r.name };
  },
  async update(ctx, r, p) {
    await ctx.aws.scaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: ECS_NS,
        ResourceId: r.name,
        ScalableDimension: DIMENSION,
        MinCapacity: p['minCapacity'] as number,
        MaxCapacity: p['maxCapacity'] as number,
      }),
    );
  },
  async delete(ctx, r) {
    await ctx.aws.scaling.send(
      new DeregisterScalableTargetCommand({
        ServiceNamespace: ECS_NS,
        ResourceId: r.name,
        ScalableDimension: DIMENSION,
      }),
    );
  },
};

export const scalingPolicyHandler: Handler = {
  async read(ctx, r) {
    const res = await ctx.aws.scaling.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: ECS_NS,
        ResourceId: r.props['resourceId'] as string,
        ScalableDimension: DIMENSION,
        PolicyNames: [r.name],
      }),
    );
    // Filter by name here too: not every backend honours PolicyNames.
    const pol = res.ScalingPolicies?.find((x) => x.PolicyName === r.name);
    if (!pol?.PolicyARN) return undefined;
    const c = pol.StepScalingPolicyConfiguration;
    return {
      attrs: { id: pol.PolicyARN, arn: pol.PolicyARN },
      props: {
        resourceId: pol.ResourceId ?? null,
        adjustmentType: c?.AdjustmentType ?? null,
        metricAggregationType: c?.MetricAggregationType ?? null,
        cooldown: c?.Cooldown ?? null,
        stepAdjustments: (c?.StepAdjustments ?? []).map((s) => {
          const o: { [k: string]: Json } = { scalingAdjustment: s.ScalingAdjustment ?? 0 };
          if (s.MetricIntervalLowerBound !== undefined)
            o['metricIntervalLowerBound'] = s.MetricIntervalLowerBound;
          if (s.MetricIntervalUpperBound !== undefined)
            o['metricIntervalUpperBound'] = s.MetricIntervalUpperBound;
          return o;
        }),
      },
    };
  },
  async create(ctx, r, p) {
    return putPolicy(ctx, r.name, p);
  },
  async update(ctx, r, p) {
    return putPolicy(ctx, r.name, p);
  },
  async delete(ctx, r) {
    await ctx.aws.scaling.send(
      new DeleteScalingPolicyCommand({
        ServiceNamespace: ECS_NS,
        ResourceId: r.props['resourceId'] as string,
        ScalableDimension: DIMENSION,
        PolicyName: r.name,
      }),
    );
  },
};

async function putPolicy(ctx: Ctx, name: string, p: Props): Promise<Record<string, string>> {
  const steps = p['stepAdjustments'] as {
    metricIntervalLowerBound?: number;
    metricIntervalUpperBound?: number;
    scalingAdjustment: number;
  }[];
  const res = await ctx.aws.scaling.send(
    new PutScalingPolicyCommand({
      PolicyName: name,
      ServiceNamespace: ECS_NS,
      ResourceId: p['resourceId'] as string,
      ScalableDimension: DIMENSION,
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: p['adjustmentType'] as 'ChangeInCapacity',
        MetricAggregationType: p['metricAggregationType'] as 'Average',
        Cooldown: p['cooldown'] as number,
        StepAdjustments: steps.map((s) => ({
          MetricIntervalLowerBound: s.metricIntervalLowerBound,
          MetricIntervalUpperBound: s.metricIntervalUpperBound,
          ScalingAdjustment: s.scalingAdjustment,
        })),
      },
    }),
  );
  return { id: res.PolicyARN as string, arn: res.PolicyARN as string };
}

export const alarmHandler: Handler = {
  rules: { unordered: ['dimensions', 'alarmActions'] },
  async read(ctx, r) {
    const res = await ctx.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [r.name] }));
    const a = res.MetricAlarms?.[0];
    if (!a?.AlarmArn) return undefined;
    return {
      attrs: { id: r.name, arn: a.AlarmArn },
      props: {
        description: a.AlarmDescription ?? null,
        namespace: a.Namespace ?? null,
        metricName: a.MetricName ?? null,
        statistic: a.Statistic ?? null,
        dimensions: (a.Dimensions ?? []).map((d) => ({ name: d.Name ?? '', value: d.Value ?? '' })),
        period: a.Period ?? null,
        evaluationPeriods: a.EvaluationPeriods ?? null,
        threshold: a.Threshold ?? null,
        comparisonOperator: a.ComparisonOperator ?? null,
        alarmActions: a.AlarmActions ?? [],
        treatMissingData: a.TreatMissingData ?? 'missing',
      },
    };
  },
  async create(ctx, r, p) {
    await this.update(ctx, r, p, { attrs: {}, props: {} }, [], new Map());
    return { id: r.name };
  },
  async update(ctx, r, p) {
    await ctx.aws.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: r.name,
        AlarmDescription: p['description'] as string,
        Namespace: p['namespace'] as string,
        MetricName: p['metricName'] as string,
        Statistic: p['statistic'] as 'Average',
        Dimensions: (p['dimensions'] as { name: string; value: string }[]).map((d) => ({
          Name: d.name,
          Value: d.value,
        })),
        Period: p['period'] as number,
        EvaluationPeriods: p['evaluationPeriods'] as number,
        Threshold: p['threshold'] as number,
        ComparisonOperator: p['comparisonOperator'] as 'GreaterThanThreshold',
        AlarmActions: p['alarmActions'] as string[],
        TreatMissingData: p['treatMissingData'] as string,
        Tags: tagList(ctx, r.name),
      }),
    );
  },
  async delete(ctx, r) {
    await ctx.aws.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [r.name] }));
  },
};

export const dashboardHandler: Handler = {
  async read(ctx, r) {
    try {
      const res = await ctx.aws.cloudwatch.send(new GetDashboardCommand({ DashboardName: r.name }));
      return {
        attrs: { id: r.name },
        props: { body: JSON.parse(res.DashboardBody ?? 'null') as Json },
      };
    } catch (err) {
      if (
        isAwsError(err, 'ResourceNotFound', 'ResourceNotFoundException', 'DashboardNotFoundError')
      )
        return undefined;
      throw err;
    }
  },
  async create(ctx, r, p) {
    await this.update(ctx, r, p, { attrs: {}, props: {} }, [], new Map());
    return { id: r.name };
  },
  async update(ctx, r, p) {
    await ctx.aws.cloudwatch.send(
      new PutDashboardCommand({ DashboardName: r.name, DashboardBody: JSON.stringify(p['body']) }),
    );
  },
  async delete(ctx, r) {
    await ctx.aws.cloudwatch.send(new DeleteDashboardsCommand({ DashboardNames: [r.name] }));
  },
};
