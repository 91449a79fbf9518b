import { startMotoServer } from './moto-server';

export type AwsEmulatorKind = 'external' | 'localstack-container' | 'moto-container' | 'moto-venv';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AwsEmulator {
  /** Base URL every AWS SDK client should use as `endpoint`. */
  endpoint: string;
  region: string;
  credentials: AwsCredentials;
  kind: AwsEmulatorKind;
  /** Stops what this call started; a no-op for an external endpoint. */
  stop(): Promise<void>;
}

export interface StartAwsEmulatorOptions {
  region?: string;
  /** Progress lines (virtualenv creation, pip); default stderr. */
  log?: (line: string) => void;
}

const DEFAULT_REGION = 'eu-west-1';
/** Emulators accept any credentials; these never reach AWS because the endpoint is local. */
const EMULATOR_CREDENTIALS: AwsCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const MOTO_IMAGE = 'motoserver/moto:5.2.5';
const LOCALSTACK_IMAGE = 'localstack/localstack-pro:4';

async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    // "Could not find a working container runtime strategy": fall through to the virtualenv
    return false;
  }
}

async function startContainer(region: string): Promise<AwsEmulator> {
  const token = process.env['LOCALSTACK_AUTH_TOKEN'];
  if (token) {
    const { LocalstackContainer } = await import('@testcontainers/localstack');
    const started = await new LocalstackContainer(LOCALSTACK_IMAGE)
      .withEnvironment({ LOCALSTACK_AUTH_TOKEN: token })
      .start();
    return {
      endpoint: started.getConnectionUri(),
      region,
      credentials: EMULATOR_CREDENTIALS,
      kind: 'localstack-container',
      stop: async () => {
        await started.stop();
      },
    };
  }
  const { GenericContainer, Wait } = await import('testcontainers');
  const started = await new GenericContainer(MOTO_IMAGE)
    .withExposedPorts(5000)
    .withWaitStrategy(Wait.forHttp('/moto-api/data.json', 5000))
    .start();
  return {
    endpoint: `http://${started.getHost()}:${started.getMappedPort(5000)}`,
    region,
    credentials: EMULATOR_CREDENTIALS,
    kind: 'moto-container',
    stop: async () => {
      await started.stop();
    },
  };
}

/**
 * An AWS endpoint for tests, in this order: `AWS_ENDPOINT_URL` if set; a container (LocalStack
 * when `LOCALSTACK_AUTH_TOKEN` is set, else moto) when a container runtime answers; else
 * `moto_server` from a git-ignored virtualenv built on first use. All of them speak the real
 * AWS wire protocol.
 */
export async function startAwsEmulator(
  options: StartAwsEmulatorOptions = {},
): Promise<AwsEmulator> {
  const region = options.region ?? process.env['AWS_REGION'] ?? DEFAULT_REGION;
  const external = process.env['AWS_ENDPOINT_URL'];
  if (external) {
    return {
      endpoint: external.replace(/\/+$/, ''),
      region,
      credentials: {
        accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? EMULATOR_CREDENTIALS.accessKeyId,
        secretAccessKey:
          process.env['AWS_SECRET_ACCESS_KEY'] ?? EMULATOR_CREDENTIALS.secretAccessKey,
      },
      kind: 'external',
      stop: async () => undefined,
    };
  }
  if (await containerRuntimeAvailable()) return startContainer(region);
  const server = await startMotoServer(options.log ? { log: options.log } : {});
  return {
    endpoint: server.endpoint,
    region,
    credentials: EMULATOR_CREDENTIALS,
    kind: 'moto-venv',
    stop: server.stop,
  };
}

/**
 * Environment variables that point AWS SDK clients and child processes at the emulator.
 * Setting them keeps the CLI under test free of test-only switches.
 */
export function awsEmulatorEnv(emulator: AwsEmulator): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.credentials.secretAccessKey,
  };
}
