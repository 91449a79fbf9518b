// Locks in the AWS emulator provider: it starts a real server speaking the AWS wire protocol on
// loopback, and stop() ends the process it started.
import { CreateTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { startAwsEmulator, type AwsEmulator } from '../../src/index';

// The SDK pin for Node 20 is deliberate (DEPENDENCIES.md); skip its upgrade notice.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

describe('startAwsEmulator', () => {
  let emulator: AwsEmulator | undefined;

  afterAll(async () => {
    await emulator?.stop();
  });

  it('serves AWS API calls from an SDK client on a loopback endpoint', async () => {
    emulator = await startAwsEmulator();
    expect(emulator.endpoint).toMatch(/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?/);
    const sns = new SNSClient({
      endpoint: emulator.endpoint,
      region: emulator.region,
      credentials: emulator.credentials,
    });
    const created = await sns.send(new CreateTopicCommand({ Name: 'test-env-probe' }));
    const listed = await sns.send(new ListTopicsCommand({}));
    expect(listed.Topics?.map((t) => t.TopicArn)).toContain(created.TopicArn);
    sns.destroy();
  }, 180_000);

  it('stops the server it started so the endpoint no longer answers', async () => {
    if (!emulator) throw new Error('previous test did not start the emulator');
    await emulator.stop();
    if (emulator.kind === 'external') return;
    await expect(fetch(`${emulator.endpoint}/moto-api/data.json`)).rejects.toThrow();
    emulator = undefined;
  });
});
