import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  type Filter,
  type IpPermission,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
  RevokeSecurityGroupIngressCommand,
  type RouteTable,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { isAwsError, waitFor } from '../aws';
import type { Json, Props } from '../model';
import type { Observed } from '../plan';
import { changed, type Ctx, type Handler, tagList } from './types';

const byName = (ctx: Ctx, name: string): Filter[] => [
  { Name: 'tag:Name', Values: [name] },
  { Name: 'tag:pardon:env', Values: [ctx.config.env] },
];

const spec = (ctx: Ctx, type: string, name: string) => [
  { ResourceType: type as never, Tags: tagList(ctx, name) },
];

/** EC2 dependencies (ENIs, mappings) can take a while to let go after their owner is deleted. */
async function retryWhileInUse(ctx: Ctx, what: string, fn: () => Promise<unknown>): Promise<void> {
  await waitFor(
    `${what} to be released by its dependents`,
    async () => {
      try {
        await fn();
        return true;
      } catch (err) {
        if (isAwsError(err, 'DependencyViolation', 'InvalidGroup.InUse', 'ResourceInUse')) {
          ctx.progress(`${what}: still in use, retrying`);
          return undefined;
        }
        throw err;
      }
    },
    { timeoutMs: 15 * 60_000, intervalMs: 10_000 },
  );
}

export const vpcHandler: Handler = {
  rules: { immutable: ['cidrBlock'] },
  async read(ctx, r) {
    const res = await ctx.aws.ec2.send(new DescribeVpcsCommand({ Filters: byName(ctx, r.name) }));
    const vpc = res.Vpcs?.[0];
    if (!vpc?.VpcId) return undefined;
    const attr = async (
      Attribute: 'enableDnsHostnames' | 'enableDnsSupport',
    ): Promise<boolean | undefined> => {
      const a = await ctx.aws.ec2.send(
        new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId, Attribute }),
      );
      return Attribute === 'enableDnsHostnames'
        ? a.EnableDnsHostnames?.Value
        : a.EnableDnsSupport?.Value;
    };
    const props: Props = { cidrBlock: vpc.CidrBlock ?? null };
    const h = await attr('enableDnsHostnames');
    const s = await attr('enableDnsSupport');
    if (h !== undefined) props['enableDnsHostnames'] = h;
    if (s !== undefined) props['enableDnsSupport'] = s;
    return { attrs: { id: vpc.VpcId }, props };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.ec2.send(
      new CreateVpcCommand({
        CidrBlock: p['cidrBlock'] as string,
        TagSpecifications: spec(ctx, 'vpc', r.name),
      }),
    );
    const id = res.Vpc?.VpcId as string;
    await this.update(
      ctx,
      r,
      p,
      { attrs: { id }, props: {} },
      [
        { field: 'enableDnsSupport', from: undefined, to: true },
        { field: 'enableDnsHostnames', from: undefined, to: true },
      ],
      new Map(),
    );
    return { id };
  },
  async update(ctx, _r, p, have, fields) {
    const VpcId = have.attrs['id'];
    // One attribute per call: the API rejects both at once.
    if (changed(fields, 'enableDnsSupport'))
      await ctx.aws.ec2.send(
        new ModifyVpcAttributeCommand({
          VpcId,
          EnableDnsSupport: { Value: p['enableDnsSupport'] as boolean },
        }),
      );
    if (changed(fields, 'enableDnsHostnames'))
      await ctx.aws.ec2.send(
        new ModifyVpcAttributeCommand({
          VpcId,
          EnableDnsHostnames: { Value: p['enableDnsHostnames'] as boolean },
        }),
      );
  },
  async delete(ctx, r, have) {
    await retryWhileInUse(ctx, r.name, () =>
      ctx.aws.ec2.send(new DeleteVpcCommand({ VpcId: have.attrs['id'] })),
    );
  },
};

export const subnetHandler: Handler = {
  rules: { immutable: ['vpcId', 'cidrBlock', 'availabilityZone'] },
  async read(ctx, r) {
    const res = await ctx.aws.ec2.send(
      new DescribeSubnetsCommand({ Filters: byName(ctx, r.name) }),
    );
    const s = res.Subnets?.[0];
    if (!s?.SubnetId) return undefined;
    return {
      attrs: { id: s.SubnetId },
      props: {
        vpcId: s.VpcId ?? null,
        cidrBlock: s.CidrBlock ?? null,
        availabilityZone: s.AvailabilityZone ?? null,
        mapPublicIpOnLaunch: s.MapPublicIpOnLaunch ?? false,
      },
    };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.ec2.send(
      new CreateSubnetCommand({
        VpcId: p['vpcId'] as string,
        CidrBlock: p['cidrBlock'] as string,
        AvailabilityZone: p['availabilityZone'] as string,
        TagSpecifications: spec(ctx, 'subnet', r.name),
      }),
    );
    return { id: res.Subnet?.SubnetId as string };
  },
  async update(ctx, _r, p, have) {
    await ctx.aws.ec2.send(
      new ModifySubnetAttributeCommand({
        SubnetId: have.attrs['id'],
        MapPublicIpOnLaunch: { Value: p['mapPublicIpOnLaunch'] as boolean },
      }),
    );
  },
  async delete(ctx, r, have) {
    await retryWhileInUse(ctx, r.name, () =>
      ctx.aws.ec2.send(new DeleteSubnetCommand({ SubnetId: have.attrs['id'] })),
    );
  },
};

export const internetGatewayHandler: Handler = {
  async read(ctx, r) {
    const res = await ctx.aws.ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: byName(ctx, r.name) }),
    );
    const g = res.InternetGateways?.[0];
    if (!g?.InternetGatewayId) return undefined;
    return {
      attrs: { id: g.InternetGatewayId },
      props: { vpcId: g.Attachments?.[0]?.VpcId ?? null },
    };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.ec2.send(
      new CreateInternetGatewayCommand({
        TagSpecifications: spec(ctx, 'internet-gateway', r.name),
      }),
    );
    const id = res.InternetGateway?.InternetGatewayId as string;
    await ctx.aws.ec2.send(
      new AttachInternetGatewayCommand({ InternetGatewayId: id, VpcId: p['vpcId'] as string }),
    );
    return { id };
  },
  async update(ctx, _r, p, have) {
    const old = have.props['vpcId'];
    if (typeof old === 'string')
      await ctx.aws.ec2.send(
        new DetachInternetGatewayCommand({ InternetGatewayId: have.attrs['id'], VpcId: old }),
      );
    await ctx.aws.ec2.send(
      new AttachInternetGatewayCommand({
        InternetGatewayId: have.attrs['id'],
        VpcId: p['vpcId'] as string,
      }),
    );
  },
  async delete(ctx, r, have) {
    const vpc = have.props['vpcId'];
    if (typeof vpc === 'string') {
      await retryWhileInUse(ctx, r.name, () =>
        ctx.aws.ec2.send(
          new DetachInternetGatewayCommand({ InternetGatewayId: have.attrs['id'], VpcId: vpc }),
        ),
      );
    }
    await ctx.aws.ec2.send(
      new DeleteInternetGatewayCommand({ InternetGatewayId: have.attrs['id'] }),
    );
  },
};

export const elasticIpHandler: Handler = {
  async read(ctx, r) {
    const res = await ctx.aws.ec2.send(
      new DescribeAddressesCommand({ Filters: byName(ctx, r.name) }),
    );
    const a = res.Addresses?.[0];
    if (!a?.AllocationId) return undefined;
    return {
      attrs: { id: a.AllocationId, publicIp: a.PublicIp ?? '' },
      props: { domain: a.Domain ?? null },
    };
  },
  async create(ctx, r) {
    const res = await ctx.aws.ec2.send(
      new AllocateAddressCommand({
        Domain: 'vpc',
        TagSpecifications: spec(ctx, 'elastic-ip', r.name),
      }),
    );
    return { id: res.AllocationId as string, publicIp: res.PublicIp ?? '' };
  },
  async update() {
    // The only setting, the domain, is always `vpc`.
  },
  async delete(ctx, r, have) {
    await retryWhileInUse(ctx, r.name, () =>
      ctx.aws.ec2.send(new ReleaseAddressCommand({ AllocationId: have.attrs['id'] })),
    );
  },
};

export const natGatewayHandler: Handler = {
  rules: { immutable: ['subnetId', 'allocationId'] },
  async read(ctx, r) {
    const res = await ctx.aws.ec2.send(
      new DescribeNatGatewaysCommand({
        Filter: [...byName(ctx, r.name), { Name: 'state', Values: ['pending', 'available'] }],
      }),
    );
    const g = res.NatGateways?.[0];
    if (!g?.NatGatewayId) return undefined;
    return {
      attrs: { id: g.NatGatewayId },
      props: {
        subnetId: g.SubnetId ?? null,
        allocationId: g.NatGatewayAddresses?.[0]?.AllocationId ?? null,
      },
    };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: p['subnetId'] as string,
        AllocationId: p['allocationId'] as string,
        TagSpecifications: spec(ctx, 'natgateway', r.name),
      }),
    );
    const id = res.NatGateway?.NatGatewayId as string;
    ctx.progress('waiting for the NAT gateway to become available (a few minutes on AWS)');
    await waitFor('NAT gateway available', async () => {
      const d = await ctx.aws.ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }));
      const state = d.NatGateways?.[0]?.State;
      if (state === 'failed')
        throw new Error(`NAT gateway ${id} failed: ${d.NatGateways?.[0]?.FailureMessage ?? ''}`);
      return state === 'available' ? true : undefined;
    });
    return { id };
  },
  async update() {
    throw new Error('a NAT gateway cannot be changed in place');
  },
  async delete(ctx, _r, have) {
    const id = have.attrs['id'] as string;
    await ctx.aws.ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: id }));
    ctx.progress('waiting for the NAT gateway to be deleted');
    await waitFor('NAT gateway deleted', async () => {
      const d = await ctx.aws.ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }));
      const state = d.NatGateways?.[0]?.State;
      return state === undefined || state === 'deleted' ? true : undefined;
    });
  },
};

function routesOf(t: RouteTable): Json[] {
  return (t.Routes ?? [])
    .filter((x) => x.GatewayId !== 'local' && x.DestinationCidrBlock)
    .map((x): Json =>
      x.NatGatewayId
        ? { destinationCidrBlock: x.DestinationCidrBlock as string, natGatewayId: x.NatGatewayId }
        : {
            destinationCidrBlock: x.DestinationCidrBlock as string,
            gatewayId: x.GatewayId ?? null,
          },
    );
}

export const routeTableHandler: Handler = {
  rules: { immutable: ['vpcId'], unordered: ['routes', 'subnetIds'] },
  async read(ctx, r) {
    const res = await ctx.aws.ec2.send(
      new DescribeRouteTablesCommand({ Filters: byName(ctx, r.name) }),
    );
    const t = res.RouteTables?.[0];
    if (!t?.RouteTableId) return undefined;
    const assoc = (t.Associations ?? []).filter((a) => a.SubnetId && !a.Main);
    return {
      attrs: {
        id: t.RouteTableId,
        associations: JSON.stringify(assoc.map((a) => [a.SubnetId, a.RouteTableAssociationId])),
      },
      props: {
        vpcId: t.VpcId ?? null,
        routes: routesOf(t),
        subnetIds: assoc.map((a) => a.SubnetId as string).sort(),
      },
    };
  },
  async create(ctx, r, p, ids) {
    const res = await ctx.aws.ec2.send(
      new CreateRouteTableCommand({
        VpcId: p['vpcId'] as string,
        TagSpecifications: spec(ctx, 'route-table', r.name),
      }),
    );
    const id = res.RouteTable?.RouteTableId as string;
    const have: Observed = {
      attrs: { id, associations: '[]' },
      props: { vpcId: p['vpcId'] as string, routes: [], subnetIds: [] },
    };
    await this.update(ctx, r, p, have, [], ids);
    return { id };
  },
  async update(ctx, _r, p, have) {
    const RouteTableId = have.attrs['id'] as string;
    const existing = new Map(
      ((have.props['routes'] as { destinationCidrBlock: string }[]) ?? []).map((x) => [
        x.destinationCidrBlock,
        x,
      ]),
    );
    for (const route of p['routes'] as {
      destinationCidrBlock: string;
      gatewayId?: string;
      natGatewayId?: string;
    }[]) {
      const input = {
        RouteTableId,
        DestinationCidrBlock: route.destinationCidrBlock,
        ...(route.gatewayId ? { GatewayId: route.gatewayId } : {}),
        ...(route.natGatewayId ? { NatGatewayId: route.natGatewayId } : {}),
      };
      const cur = existing.get(route.destinationCidrBlock);
      if (!cur) await ctx.aws.ec2.send(new CreateRouteCommand(input));
      else if (JSON.stringify(cur) !== JSON.stringify(route))
        await ctx.aws.ec2.send(new ReplaceRouteCommand(input));
    }
    const associations = new Map(
      JSON.parse(have.attrs['associations'] ?? '[]') as [string, string][],
    );
    const want = new Set(p['subnetIds'] as string[]);
    for (const subnet of want) {
      if (!associations.has(subnet))
        await ctx.aws.ec2.send(new AssociateRouteTableCommand({ RouteTableId, SubnetId: subnet }));
    }
    for (const [subnet, assocId] of associations) {
      if (!want.has(subnet))
        await ctx.aws.ec2.send(new DisassociateRouteTableCommand({ AssociationId: assocId }));
    }
  },
  async delete(ctx, r, have) {
    for (const [, assocId] of JSON.parse(have.attrs['associations'] ?? '[]') as [
      string,
      string,
    ][]) {
      await ctx.aws.ec2.send(new DisassociateRouteTableCommand({ AssociationId: assocId }));
    }
    await retryWhileInUse(ctx, r.name, () =>
      ctx.aws.ec2.send(new DeleteRouteTableCommand({ RouteTableId: have.attrs['id'] })),
    );
  },
};

interface IngressRule {
  protocol: string;
  fromPort: number;
  toPort: number;
  cidrIp?: string;
  sourceSecurityGroupId?: string;
}

function ingressOf(g: SecurityGroup): IngressRule[] {
  const out: IngressRule[] = [];
  for (const p of g.IpPermissions ?? []) {
    const base = {
      protocol: p.IpProtocol ?? '',
      fromPort: p.FromPort ?? -1,
      toPort: p.ToPort ?? -1,
    };
    for (const range of p.IpRanges ?? []) out.push({ ...base, cidrIp: range.CidrIp as string });
    for (const range of p.Ipv6Ranges ?? []) out.push({ ...base, cidrIp: range.CidrIpv6 as string });
    for (const pair of p.UserIdGroupPairs ?? [])
      out.push({ ...base, sourceSecurityGroupId: pair.GroupId as string });
  }
  return out;
}

function permission(rule: IngressRule): IpPermission {
  return {
    IpProtocol: rule.protocol,
    FromPort: rule.fromPort,
    ToPort: rule.toPort,
    ...(rule.cidrIp ? { IpRanges: [{ CidrIp: rule.cidrIp }] } : {}),
    ...(rule.sourceSecurityGroupId
      ? { UserIdGroupPairs: [{ GroupId: rule.sourceSecurityGroupId }] }
      : {}),
  };
}

const ruleKey = (x: IngressRule): string =>
  `${x.protocol}:${x.fromPort}:${x.toPort}:${x.cidrIp ?? ''}:${x.sourceSecurityGroupId ?? ''}`;

export const securityGroupHandler: Handler = {
  rules: { immutable: ['vpcId', 'description'], unordered: ['ingress'] },
  async read(ctx, r) {
    const res = await ctx.aws.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: byName(ctx, r.name) }),
    );
    const g = res.SecurityGroups?.[0];
    if (!g?.GroupId) return undefined;
    return {
      attrs: { id: g.GroupId },
      props: {
        vpcId: g.VpcId ?? null,
        description: g.Description ?? null,
        ingress: ingressOf(g) as unknown as Json[],
      },
    };
  },
  async create(ctx, r, p, ids) {
    const res = await ctx.aws.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: r.name,
        Description: p['description'] as string,
        VpcId: p['vpcId'] as string,
        TagSpecifications: spec(ctx, 'security-group', r.name),
      }),
    );
    const id = res.GroupId as string;
    await this.update(ctx, r, p, { attrs: { id }, props: { ingress: [] } }, [], ids);
    return { id };
  },
  async update(ctx, _r, p, have) {
    const GroupId = have.attrs['id'] as string;
    const want = p['ingress'] as unknown as IngressRule[];
    const current = (have.props['ingress'] ?? []) as unknown as IngressRule[];
    const wantKeys = new Set(want.map(ruleKey));
    const haveKeys = new Set(current.map(ruleKey));
    const add = want.filter((x) => !haveKeys.has(ruleKey(x)));
    const revoke = current.filter((x) => !wantKeys.has(ruleKey(x)));
    if (revoke.length)
      await ctx.aws.ec2.send(
        new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: revoke.map(permission) }),
      );
    if (add.length)
      await ctx.aws.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: add.map(permission) }),
      );
  },
  async delete(ctx, r, have) {
    await retryWhileInUse(ctx, r.name, () =>
      ctx.aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: have.attrs['id'] })),
    );
  },
};
