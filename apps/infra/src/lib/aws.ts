import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

// The SDK versions are pinned for Node 20 on purpose (see DEPENDENCIES.md); its notice that
// later releases need Node 22 would only clutter every command's output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export interface AwsClients {
  region: string;
  /** Set only when talking to an emulator (AWS_ENDPOINT_URL). */
  endpoint: string | undefined;
  ec2: EC2Client;
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  scaling: ApplicationAutoScalingClient;
  cloudwatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  secrets: SecretsManagerClient;
  rds: RDSClient;
  iam: IAMClient;
  sns: SNSClient;
}

/**
 * One client per service for the environment's region. Credentials come from the default chain
 * (env, profile, SSO, instance role); `AWS_ENDPOINT_URL` points every client at an emulator.
 */
export function createAwsClients(
  region: string,
  endpoint = process.env['AWS_ENDPOINT_URL'] || undefined,
): AwsClients {
  const cfg = { region, maxAttempts: 5, ...(endpoint ? { endpoint } : {}) };
  return {
    region,
    endpoint,
    ec2: new EC2Client(cfg),
    ecs: new ECSClient(cfg),
    elb: new ElasticLoadBalancingV2Client(cfg),
    scaling: new ApplicationAutoScalingClient(cfg),
    cloudwatch: new CloudWatchClient(cfg),
    logs: new CloudWatchLogsClient(cfg),
    secrets: new SecretsManagerClient(cfg),
    rds: new RDSClient(cfg),
    iam: new IAMClient(cfg),
    sns: new SNSClient(cfg),
  };
}

export function destroyAwsClients(c: AwsClients): void {
  for (const client of [
    c.ec2,
    c.ecs,
    c.elb,
    c.scaling,
    c.cloudwatch,
    c.logs,
    c.secrets,
    c.rds,
    c.iam,
    c.sns,
  ]) {
    client.destroy();
  }
}

/** True when an SDK error has one of the given names (AWS error codes). */
export function isAwsError(err: unknown, ...names: string[]): boolean {
  const e = err as { name?: string; Code?: string; code?: string };
  return names.some((n) => e?.name === n || e?.Code === n || e?.code === n);
}

/** Polls `check` until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 30 * 60_000, intervalMs = 5_000 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = Math.min(250, intervalMs);
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, intervalMs);
  }
}
