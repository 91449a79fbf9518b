import { awsEmulatorEnv, startAwsEmulator, type AwsEmulator } from '../aws/emulator';

declare global {
  var __PARDON_AWS_EMULATOR__: AwsEmulator | undefined;
}

/**
 * Jest globalSetup: starts one AWS emulator for the run and exports it through the standard
 * AWS_* variables, which the workers inherit. Use with aws-global-teardown.ts.
 */
export default async function awsGlobalSetup(): Promise<void> {
  const emulator = await startAwsEmulator();
  globalThis.__PARDON_AWS_EMULATOR__ = emulator;
  Object.assign(process.env, awsEmulatorEnv(emulator));
}
