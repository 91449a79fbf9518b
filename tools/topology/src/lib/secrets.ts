// Secrets of a local topology, generated once per data directory and kept beside the data (never
// committed: `.data/` is git-ignored), so a restart on the same data keeps player tokens valid.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const LocalSecretsSchema = z.object({
  agentApiKey: z.string().min(8),
  tokenSecret: z.string().min(32),
  cronSecret: z.string().min(16),
  opsToken: z.string().min(16),
});
export type LocalSecrets = z.infer<typeof LocalSecretsSchema>;

/** Fresh random secrets (hex), long enough for every app's schema. */
export function generateSecrets(): LocalSecrets {
  return {
    agentApiKey: randomBytes(24).toString('hex'),
    tokenSecret: randomBytes(32).toString('hex'),
    cronSecret: randomBytes(24).toString('hex'),
    opsToken: randomBytes(24).toString('hex'),
  };
}

/**
 * Reads `<dir>/secrets.json`, creating it (mode 0600) with fresh secrets the first time; a secret
 * the file lacks (one added in a later version) is generated and saved, the others are kept.
 */
export function loadOrCreateSecrets(dir: string): LocalSecrets {
  const file = path.join(dir, 'secrets.json');
  const saved: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const parsed = LocalSecretsSchema.partial().safeParse(saved);
  if (!parsed.success) {
    throw new Error(`${file} is not valid (${parsed.error.message}); delete it to get new secrets`);
  }
  const secrets: LocalSecrets = { ...generateSecrets(), ...parsed.data };
  if (Object.keys(parsed.data).length < Object.keys(secrets).length) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}
