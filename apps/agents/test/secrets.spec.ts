// Locks in where the model key comes from: the environment first, else AWS Secrets Manager
// (a real Secrets Manager API from @pardon/test-env), read once and not cached when it fails.
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startAwsEmulator, type AwsEmulator } from '@pardon/test-env';
import { apiKeyResolver, readApiKeyFromSecret } from '../src/lib/secrets';

describe('apiKeyResolver', () => {
  it('prefers the key from the environment and never touches the secret', async () => {
    const read = jest.fn(async () => 'from-secret');
    await expect(apiKeyResolver('from-env', 'arn:x', read)()).resolves.toBe('from-env');
    expect(read).not.toHaveBeenCalled();
  });

  it('reads the secret once and reuses it', async () => {
    let reads = 0;
    const resolve = apiKeyResolver(undefined, 'arn:x', async () => `key-${++reads}`);
    expect(await resolve()).toBe('key-1');
    expect(await resolve()).toBe('key-1');
  });

  it('tries the secret again after a failure instead of caching the error', async () => {
    let reads = 0;
    const resolve = apiKeyResolver(undefined, 'arn:x', async () => {
      if (++reads === 1) throw new Error('throttled');
      return 'key';
    });
    await expect(resolve()).rejects.toThrow('throttled');
    await expect(resolve()).resolves.toBe('key');
  });

  it('resolves to no key when neither is configured', async () => {
    await expect(apiKeyResolver(undefined, undefined)()).resolves.toBeUndefined();
  });
});

describe('readApiKeyFromSecret', () => {
  let emulator: AwsEmulator;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    emulator = await startAwsEmulator();
    client = new SecretsManagerClient({
      endpoint: emulator.endpoint,
      region: emulator.region,
      credentials: emulator.credentials,
    });
  }, 180_000);

  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  async function secret(name: string, value: string): Promise<string> {
    const out = await client.send(
      new CreateSecretCommand({ Name: `${name}-${Date.now()}`, SecretString: value }),
    );
    return out.ARN as string;
  }

  it('reads a bare key', async () => {
    await expect(readApiKeyFromSecret(await secret('bare', 'sk-bare'), client)).resolves.toBe(
      'sk-bare',
    );
  });

  it('reads a key stored as JSON', async () => {
    const arn = await secret('json', JSON.stringify({ apiKey: 'sk-json', other: 1 }));
    await expect(readApiKeyFromSecret(arn, client)).resolves.toBe('sk-json');
  });

  it('names the secret when the JSON holds no key field', async () => {
    const arn = await secret('nokey', JSON.stringify({ password: 'x' }));
    await expect(readApiKeyFromSecret(arn, client)).rejects.toThrow(/without an apiKey/);
  });
});
