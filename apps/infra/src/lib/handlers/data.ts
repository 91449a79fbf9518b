import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSubnetGroupCommand,
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  type DBInstance,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  ModifyDBInstanceCommand,
  ModifyDBSubnetGroupCommand,
} from '@aws-sdk/client-rds';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListTopicsCommand,
  ListSubscriptionsByTopicCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { isAwsError, waitFor } from '../aws';
import { names, secretSpecs } from '../desired';
import type { Json, Props } from '../model';
import { changed, type Ctx, type Handler, tagList } from './types';

export const logGroupHandler: Handler = {
  async read(ctx, r) {
    const res = await ctx.aws.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: r.name }),
    );
    const g = res.logGroups?.find((x) => x.logGroupName === r.name);
    if (!g) return undefined;
    const arn = (g.arn ?? '').replace(/:\*$/, '');
    return {
      attrs: { id: r.name, arn, streamsArn: `${arn}:log-stream:*` },
      props: { retentionInDays: g.retentionInDays ?? null },
    };
  },
  async create(ctx, r, p) {
    await ctx.aws.logs.send(
      new CreateLogGroupCommand({
        logGroupName: r.name,
        tags: Object.fromEntries(tagList(ctx, r.name).map((t) => [t.Key, t.Value])),
      }),
    );
    await ctx.aws.logs.send(
      new PutRetentionPolicyCommand({
        logGroupName: r.name,
        retentionInDays: p['retentionInDays'] as number,
      }),
    );
    const got = await this.read(ctx, r, new Map());
    return got?.attrs ?? { id: r.name };
  },
  async update(ctx, r, p) {
    await ctx.aws.logs.send(
      new PutRetentionPolicyCommand({
        logGroupName: r.name,
        retentionInDays: p['retentionInDays'] as number,
      }),
    );
  },
  async delete(ctx, r) {
    await ctx.aws.logs.send(new DeleteLogGroupCommand({ logGroupName: r.name }));
  },
};

/** Topic ARN by name; ListTopics is paginated and reading must not create (CreateTopic would). */
async function topicArn(ctx: Ctx, name: string): Promise<string | undefined> {
  let NextToken: string | undefined;
  do {
    const res = await ctx.aws.sns.send(new ListTopicsCommand({ NextToken }));
    const hit = res.Topics?.find((t) => t.TopicArn?.endsWith(`:${name}`));
    if (hit?.TopicArn) return hit.TopicArn;
    NextToken = res.NextToken;
  } while (NextToken);
  return undefined;
}

export const snsTopicHandler: Handler = {
  async read(ctx, r) {
    const arn = await topicArn(ctx, r.name);
    if (!arn) return undefined;
    const subs = await ctx.aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
    const email = subs.Subscriptions?.find((s) => s.Protocol === 'email');
    return {
      attrs: {
        id: arn,
        arn,
        subscriptions: JSON.stringify(subs.Subscriptions?.map((s) => s.SubscriptionArn) ?? []),
      },
      props: { emailSubscription: email?.Endpoint ?? null },
    };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.sns.send(
      new CreateTopicCommand({ Name: r.name, Tags: tagList(ctx, r.name) }),
    );
    const arn = res.TopicArn as string;
    if (typeof p['emailSubscription'] === 'string')
      await ctx.aws.sns.send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: 'email',
          Endpoint: p['emailSubscription'],
        }),
      );
    return { id: arn, arn };
  },
  async update(ctx, _r, p, have) {
    const arn = have.attrs['arn'] as string;
    const subs = await ctx.aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
    for (const s of subs.Subscriptions ?? []) {
      // A pending confirmation has no ARN yet and cannot be removed; AWS drops it after 3 days.
      if (s.Protocol === 'email' && s.SubscriptionArn?.startsWith('arn:'))
        await ctx.aws.sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));
    }
    if (typeof p['emailSubscription'] === 'string')
      await ctx.aws.sns.send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: 'email',
          Endpoint: p['emailSubscription'],
        }),
      );
  },
  async delete(ctx, _r, have) {
    await ctx.aws.sns.send(new DeleteTopicCommand({ TopicArn: have.attrs['arn'] }));
  },
};

const POLICY_NAME = 'pardon';
const trust = (service: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });

function decodePolicy(doc: string | undefined): Json | undefined {
  if (!doc) return undefined;
  const text = doc.trim().startsWith('{') ? doc : decodeURIComponent(doc);
  return JSON.parse(text) as Json;
}

export const iamRoleHandler: Handler = {
  async read(ctx, r) {
    let role;
    try {
      role = (await ctx.aws.iam.send(new GetRoleCommand({ RoleName: r.name }))).Role;
    } catch (err) {
      if (isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException')) return undefined;
      throw err;
    }
    if (!role?.Arn) return undefined;
    const props: Props = { description: role.Description ?? null };
    const trustDoc = decodePolicy(role.AssumeRolePolicyDocument) as
      { Statement?: { Principal?: { Service?: string } }[] } | undefined;
    const service = trustDoc?.Statement?.[0]?.Principal?.Service;
    if (service) props['assumedBy'] = service;
    try {
      const pol = await ctx.aws.iam.send(
        new GetRolePolicyCommand({ RoleName: r.name, PolicyName: POLICY_NAME }),
      );
      props['policy'] = decodePolicy(pol.PolicyDocument) ?? null;
    } catch (err) {
      if (!isAwsError(err, 'NoSuchEntity', 'NoSuchEntityException')) throw err;
      props['policy'] = null;
    }
    return { attrs: { id: r.name, arn: role.Arn }, props };
  },
  async create(ctx, r, p) {
    const res = await ctx.aws.iam.send(
      new CreateRoleCommand({
        RoleName: r.name,
        Description: p['description'] as string,
        AssumeRolePolicyDocument: trust(p['assumedBy'] as string),
        Tags: tagList(ctx, r.name),
      }),
    );
    await ctx.aws.iam.send(
      new PutRolePolicyCommand({
        RoleName: r.name,
        PolicyName: POLICY_NAME,
        PolicyDocument: JSON.stringify(p['policy']),
      }),
    );
    return { id: r.name, arn: res.Role?.Arn as string };
  },
  async update(ctx, r, p, _have, fields) {
    if (changed(fields, 'assumedBy'))
      await ctx.aws.iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: r.name,
          PolicyDocument: trust(p['assumedBy'] as string),
        }),
      );
    if (changed(fields, 'description'))
      await ctx.aws.iam.send(
        new UpdateRoleCommand({ RoleName: r.name, Description: p['description'] as string }),
      );
    if (changed(fields, 'policy'))
      await ctx.aws.iam.send(
        new PutRolePolicyCommand({
          RoleName: r.name,
          PolicyName: POLICY_NAME,
          PolicyDocument: JSON.stringify(p['policy']),
        }),
      );
  },
  async delete(ctx, r, have) {
    if (have.props['policy'] !== null)
      await ctx.aws.iam.send(
        new DeleteRolePolicyCommand({ RoleName: r.name, PolicyName: POLICY_NAME }),
      );
    await ctx.aws.iam.send(new DeleteRoleCommand({ RoleName: r.name }));
  },
};

async function secretValue(ctx: Ctx, secretId: string): Promise<string> {
  const v = await ctx.aws.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (v.SecretString === undefined) throw new Error(`secret ${secretId} has no value`);
  return v.SecretString;
}

async function dbInstance(ctx: Ctx, id: string): Promise<DBInstance | undefined> {
  try {
    const res = await ctx.aws.rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }),
    );
    return res.DBInstances?.[0];
  } catch (err) {
    if (isAwsError(err, 'DBInstanceNotFound', 'DBInstanceNotFoundFault')) return undefined;
    throw err;
  }
}

/** The initial value of a secret; computed here so it never passes through a plan or a log. */
async function initialValue(ctx: Ctx, id: string): Promise<string | undefined> {
  const spec = secretSpecs(ctx.config).find((s) => s.id === id);
  if (!spec) throw new Error(`unknown secret ${id}`);
  const n = names(ctx.config.env);
  switch (spec.source.kind) {
    case 'operator':
      return undefined;
    case 'generated': {
      const res = await ctx.aws.secrets.send(
        new GetRandomPasswordCommand({
          PasswordLength: spec.source.length,
          ExcludePunctuation: true,
        }),
      );
      return res.RandomPassword as string;
    }
    case 'database-url': {
      const instanceId =
        spec.source.instance === 'writer' ? n.db : ctx.config.db.readReplica ? n.dbReplica : n.db;
      const db = await dbInstance(ctx, instanceId);
      if (!db?.Endpoint?.Address) throw new Error(`database ${instanceId} has no endpoint yet`);
      const password = await secretValue(ctx, n.secret('db-master-password'));
      const user = encodeURIComponent(ctx.config.db.masterUsername);
      return `postgresql://${user}:${encodeURIComponent(password)}@${db.Endpoint.Address}:${db.Endpoint.Port ?? 5432}/${ctx.config.db.databaseName}?sslmode=require`;
    }
  }
}

export const secretHandler: Handler = {
  async read(ctx, r) {
    let d;
    try {
      d = await ctx.aws.secrets.send(new DescribeSecretCommand({ SecretId: r.name }));
    } catch (err) {
      if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
      throw err;
    }
    if (!d.ARN || d.DeletedDate) return undefined;
    return {
      attrs: { id: r.name, arn: d.ARN },
      props: {
        description: d.Description ?? null,
        rotationDays: d.RotationEnabled ? (d.RotationRules?.AutomaticallyAfterDays ?? null) : null,
        rotationLambdaArn: d.RotationEnabled ? (d.RotationLambdaARN ?? null) : null,
      },
    };
  },
  async create(ctx, r, p) {
    const id = r.key.slice('secret/'.length);
    const value = await initialValue(ctx, id);
    let arn: string;
    try {
      const res = await ctx.aws.secrets.send(
        new CreateSecretCommand({
          Name: r.name,
          Description: p['description'] as string,
          ...(value !== undefined ? { SecretString: value } : {}),
          Tags: tagList(ctx, r.name),
        }),
      );
      arn = res.ARN as string;
    } catch (err) {
      // A secret scheduled for deletion (an earlier destroy) keeps its name: bring it back.
      if (!isAwsError(err, 'InvalidRequestException')) throw err;
      const restored = await ctx.aws.secrets.send(new RestoreSecretCommand({ SecretId: r.name }));
      arn = restored.ARN as string;
    }
    await this.update(
      ctx,
      r,
      p,
      { attrs: { id: r.name, arn }, props: {} },
      [{ field: 'rotationDays', from: null, to: p['rotationDays'] as Json }],
      new Map(),
    );
    return { id: r.name, arn };
  },
  async update(ctx, r, p, have, fields) {
    if (changed(fields, 'description'))
      await ctx.aws.secrets.send(
        new UpdateSecretCommand({ SecretId: r.name, Description: p['description'] as string }),
      );
    if (changed(fields, 'rotationDays', 'rotationLambdaArn')) {
      const days = p['rotationDays'];
      const lambda = p['rotationLambdaArn'];
      if (typeof days === 'number' && typeof lambda === 'string') {
        await ctx.aws.secrets.send(
          new RotateSecretCommand({
            SecretId: r.name,
            RotationLambdaARN: lambda,
            RotationRules: { AutomaticallyAfterDays: days },
            RotateImmediately: false,
          }),
        );
      } else if (have.props['rotationDays'] !== null && have.props['rotationDays'] !== undefined) {
        await ctx.aws.secrets.send(new CancelRotateSecretCommand({ SecretId: r.name }));
      }
    }
  },
  async delete(ctx, r) {
    await ctx.aws.secrets.send(
      new DeleteSecretCommand({ SecretId: r.name, ForceDeleteWithoutRecovery: true }),
    );
  },
};

export const dbSubnetGroupHandler: Handler = {
  rules: { unordered: ['subnetIds'] },
  async read(ctx, r) {
    try {
      const res = await ctx.aws.rds.send(
        new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: r.name }),
      );
      const g = res.DBSubnetGroups?.[0];
      if (!g) return undefined;
      return {
        attrs: { id: r.name },
        props: {
          description: g.DBSubnetGroupDescription ?? null,
          subnetIds: (g.Subnets ?? []).map((s) => s.SubnetIdentifier as string).sort(),
        },
      };
    } catch (err) {
      if (isAwsError(err, 'DBSubnetGroupNotFoundFault', 'DBSubnetGroupNotFound')) return undefined;
      throw err;
    }
  },
  async create(ctx, r, p) {
    await ctx.aws.rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: r.name,
        DBSubnetGroupDescription: p['description'] as string,
        SubnetIds: p['subnetIds'] as string[],
        Tags: tagList(ctx, r.name),
      }),
    );
    return { id: r.name };
  },
  async update(ctx, r, p) {
    await ctx.aws.rds.send(
      new ModifyDBSubnetGroupCommand({
        DBSubnetGroupName: r.name,
        DBSubnetGroupDescription: p['description'] as string,
        SubnetIds: p['subnetIds'] as string[],
      }),
    );
  },
  async delete(ctx, r) {
    await ctx.aws.rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: r.name }));
  },
};

async function waitDbAvailable(ctx: Ctx, id: string): Promise<DBInstance> {
  ctx.progress(`waiting for database ${id} to become available (10–20 minutes on AWS)`);
  return waitFor(
    `database ${id} available`,
    async () => {
      const db = await dbInstance(ctx, id);
      if (db?.DBInstanceStatus === 'failed') throw new Error(`database ${id} failed to create`);
      return db?.DBInstanceStatus === 'available' ? db : undefined;
    },
    { timeoutMs: 60 * 60_000, intervalMs: 15_000 },
  );
}

function dbAttrs(db: DBInstance): Record<string, string> {
  return {
    id: db.DBInstanceIdentifier as string,
    arn: db.DBInstanceArn ?? '',
    address: db.Endpoint?.Address ?? '',
    port: String(db.Endpoint?.Port ?? 5432),
  };
}

/**
 * RDS applies minor engine upgrades by itself; a newer minor of the configured major is what the
 * config asked for, not drift that apply should try (and fail) to downgrade.
 */
export function reportedEngineVersion(actual: string | undefined, wanted: unknown): string | null {
  if (!actual) return null;
  if (typeof wanted !== 'string') return actual;
  const [aMajor, aMinor = 0] = actual.split('.').map(Number);
  const [wMajor, wMinor = 0] = wanted.split('.').map(Number);
  return aMajor === wMajor && aMinor >= wMinor ? wanted : actual;
}

export const dbInstanceHandler: Handler = {
  rules: {
    immutable: [
      'engine',
      'storageEncrypted',
      'dbName',
      'masterUsername',
      'readReplicaOf',
      'dbSubnetGroupName',
    ],
    unordered: ['vpcSecurityGroupIds'],
  },
  async read(ctx, r) {
    const db = await dbInstance(ctx, r.name);
    if (!db || db.DBInstanceStatus === 'deleting') return undefined;
    const props: Props = {
      engine: db.Engine ?? null,
      engineVersion: reportedEngineVersion(db.EngineVersion, r.props['engineVersion']),
      instanceClass: db.DBInstanceClass ?? null,
      allocatedStorage: db.AllocatedStorage ?? null,
      storageEncrypted: db.StorageEncrypted ?? false,
      multiAz: db.MultiAZ ?? false,
      backupRetentionPeriod: db.BackupRetentionPeriod ?? null,
      publiclyAccessible: db.PubliclyAccessible ?? false,
      masterUsername: db.MasterUsername ?? null,
      dbSubnetGroupName: db.DBSubnetGroup?.DBSubnetGroupName ?? null,
      vpcSecurityGroupIds: (db.VpcSecurityGroups ?? [])
        .map((g) => g.VpcSecurityGroupId as string)
        .sort(),
      deletionProtection: db.DeletionProtection ?? false,
      readReplicaOf: db.ReadReplicaSourceDBInstanceIdentifier ?? null,
    };
    if (db.DBName) props['dbName'] = db.DBName;
    return { attrs: dbAttrs(db), props };
  },
  async create(ctx, r, p) {
    if (typeof p['readReplicaOf'] === 'string') {
      await ctx.aws.rds.send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: r.name,
          SourceDBInstanceIdentifier: p['readReplicaOf'],
          DBInstanceClass: p['instanceClass'] as string,
          PubliclyAccessible: false,
          VpcSecurityGroupIds: p['vpcSecurityGroupIds'] as string[],
          Tags: tagList(ctx, r.name),
        }),
      );
    } else {
      const password = await secretValue(ctx, p['masterPasswordSecretArn'] as string);
      await ctx.aws.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: r.name,
          Engine: p['engine'] as string,
          EngineVersion: p['engineVersion'] as string,
          DBInstanceClass: p['instanceClass'] as string,
          AllocatedStorage: p['allocatedStorage'] as number,
          StorageEncrypted: p['storageEncrypted'] as boolean,
          MultiAZ: p['multiAz'] as boolean,
          BackupRetentionPeriod: p['backupRetentionPeriod'] as number,
          PubliclyAccessible: p['publiclyAccessible'] as boolean,
          DBName: p['dbName'] as string,
          MasterUsername: p['masterUsername'] as string,
          MasterUserPassword: password,
          DBSubnetGroupName: p['dbSubnetGroupName'] as string,
          VpcSecurityGroupIds: p['vpcSecurityGroupIds'] as string[],
          DeletionProtection: p['deletionProtection'] as boolean,
          CopyTagsToSnapshot: true,
          Tags: tagList(ctx, r.name),
        }),
      );
    }
    return dbAttrs(await waitDbAvailable(ctx, r.name));
  },
  async update(ctx, r, p, _have, fields) {
    const f = (name: string): boolean => changed(fields, name);
    await ctx.aws.rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: r.name,
        ApplyImmediately: true,
        ...(f('engineVersion') ? { EngineVersion: p['engineVersion'] as string } : {}),
        ...(f('instanceClass') ? { DBInstanceClass: p['instanceClass'] as string } : {}),
        ...(f('allocatedStorage') ? { AllocatedStorage: p['allocatedStorage'] as number } : {}),
        ...(f('multiAz') ? { MultiAZ: p['multiAz'] as boolean } : {}),
        ...(f('backupRetentionPeriod')
          ? { BackupRetentionPeriod: p['backupRetentionPeriod'] as number }
          : {}),
        ...(f('publiclyAccessible')
          ? { PubliclyAccessible: p['publiclyAccessible'] as boolean }
          : {}),
        ...(f('vpcSecurityGroupIds')
          ? { VpcSecurityGroupIds: p['vpcSecurityGroupIds'] as string[] }
          : {}),
        ...(f('deletionProtection')
          ? { DeletionProtection: p['deletionProtection'] as boolean }
          : {}),
      }),
    );
    return dbAttrs(await waitDbAvailable(ctx, r.name));
  },
  async delete(ctx, r, have) {
    if (have.props['deletionProtection'] === true) {
      await ctx.aws.rds.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: r.name,
          DeletionProtection: false,
          ApplyImmediately: true,
        }),
      );
    }
    const isReplica = typeof have.props['readReplicaOf'] === 'string';
    // prod keeps a final snapshot; the replica has none of its own to keep.
    const keepSnapshot = ctx.config.env === 'prod' && !isReplica;
    await ctx.aws.rds.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier: r.name,
        ...(keepSnapshot
          ? { SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: `${r.name}-final-${Date.now()}` }
          : { SkipFinalSnapshot: true }),
      }),
    );
    ctx.progress(`waiting for database ${r.name} to be deleted`);
    await waitFor(
      `database ${r.name} deleted`,
      async () => ((await dbInstance(ctx, r.name)) ? undefined : true),
      {
        timeoutMs: 60 * 60_000,
        intervalMs: 15_000,
      },
    );
  },
};
