export {};
export { startAwsEmulator, awsEmulatorEnv } from './aws/emulator';
export type {
  AwsEmulator,
  AwsEmulatorKind,
  AwsCredentials,
  StartAwsEmulatorOptions,
} from './aws/emulator';
export { ensureMotoVenv } from './aws/moto-venv';
export { startMotoServer } from './aws/moto-server';
export type { MotoServer } from './aws/moto-server';
