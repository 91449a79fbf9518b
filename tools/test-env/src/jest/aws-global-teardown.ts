/** Jest globalTeardown: stops the emulator that aws-global-setup.ts started (if any). */
export default async function awsGlobalTeardown(): Promise<void> {
  const emulator = globalThis.__PARDON_AWS_EMULATOR__;
  globalThis.__PARDON_AWS_EMULATOR__ = undefined;
  await emulator?.stop();
}
