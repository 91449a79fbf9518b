import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Reads the model API key from AWS Secrets Manager. The secret is either the bare key or a JSON
 * object holding it under `apiKey`, `api_key`, `MODEL_API_KEY` or `key` (the shapes people put in
 * the console). Region and endpoint come from the usual AWS environment (`AWS_REGION`,
 * `AWS_ENDPOINT_URL` for an emulator).
 */
export async function readApiKeyFromSecret(
  secretArn: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const raw =
    out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : '');
  const text = raw.trim();
  if (text.startsWith('{')) {
    const json = JSON.parse(text) as Record<string, unknown>;
    for (const field of ['apiKey', 'api_key', 'MODEL_API_KEY', 'key']) {
      const value = json[field];
      if (typeof value === 'string' && value !== '') return value;
    }
    throw new Error(
      `secret ${secretArn} is JSON without an apiKey/api_key/MODEL_API_KEY/key field`,
    );
  }
  if (text === '') throw new Error(`secret ${secretArn} is empty`);
  return text;
}

/**
 * The key from the environment if given, else from the secret (fetched once, on first use, so a
 * scripted-brain agent never needs AWS credentials).
 */
export function apiKeyResolver(
  envKey: string | undefined,
  secretArn: string | undefined,
  read: (arn: string) => Promise<string> = readApiKeyFromSecret,
): () => Promise<string | undefined> {
  if (envKey) return () => Promise.resolve(envKey);
  if (!secretArn) return () => Promise.resolve(undefined);
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= read(secretArn).catch((error: unknown) => {
      cached = undefined; // retry on the next reply rather than caching a transient failure
      throw error;
    });
    return cached;
  };
}
