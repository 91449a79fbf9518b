// Secrets of a local topology, generated once per data directory and kept beside the data (never
// committed: `.data/` is git-ignored), so a restart on the same data keeps player tokens valid.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GAME_AGENT_IDS, MIN_AGENT_SECRET_CHARS, agentSecretEnvName } from '@pardon/coral';
import { z } from 'zod';

/** Every roster agent's own secret (the gateway holds them all, each agent only its own). */
const AgentSecretsSchema = z.object(
  Object.fromEntries(
    GAME_AGENT_IDS.map((id) => [id, z.string().min(MIN_AGENT_SECRET_CHARS)]),
  ) as Record<(typeof GAME_AGENT_IDS)[number], z.ZodString>,
);

export const LocalSecretsSchema = z.object({
  agentSecrets: AgentSecretsSchema,
  tokenSecret: z.string().min(32),
  cronSecret: z.string().min(16),
  opsToken: z.string().min(16),
});
export type LocalSecrets = z.infer<typeof LocalSecretsSchema>;

/** Of a file saved by an older version: one `AGENT_API_KEY` shared by every agent (dropped). */
const SavedSecretsSchema = LocalSecretsSchema.partial().extend({
  agentSecrets: AgentSecretsSchema.partial().optional(),
  agentApiKey: z.string().optional(),
});

const agentSecret = (): string => randomBytes(24).toString('hex');

/** Fresh random secrets (hex), long enough for every app's schema. */
export function generateSecrets(): LocalSecrets {
  return {
    agentSecrets: Object.fromEntries(
      GAME_AGENT_IDS.map((id) => [id, agentSecret()]),
    ) as LocalSecrets['agentSecrets'],
    tokenSecret: randomBytes(32).toString('hex'),
    cronSecret: randomBytes(24).toString('hex'),
    opsToken: randomBytes(24).toString('hex'),
  };
}

/**
 * Reads `<dir>/secrets.json`, creating it (mode 0600) with fresh secrets the first time; a secret
 * the file lacks (one added in a later version) is generated and saved, the others are kept. A file
 * from before per-agent secrets (one shared `agentApiKey`) gets fresh `agentSecrets` instead, and
 * the old key is dropped from it.
 */
export function loadOrCreateSecrets(dir: string): LocalSecrets {
  const file = path.join(dir, 'secrets.json');
  const saved: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const parsed = SavedSecretsSchema.safeParse(saved);
  if (!parsed.success) {
    throw new Error(`${file} is not valid (${parsed.error.message}); delete it to get new secrets`);
  }
  const { agentApiKey, agentSecrets, ...kept } = parsed.data;
  const fresh = generateSecrets();
  // An agent added to the roster later gets its own secret; the others keep theirs.
  const secrets: LocalSecrets = {
    ...fresh,
    ...kept,
    agentSecrets: { ...fresh.agentSecrets, ...agentSecrets },
  };
  const complete =
    Object.keys(kept).length === Object.keys(secrets).length - 1 &&
    Object.keys(agentSecrets ?? {}).length === GAME_AGENT_IDS.length;
  if (agentApiKey !== undefined || !complete) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}

/** The gateway's environment of agent secrets: `AGENT_SECRET_<ID>` for every roster agent. */
export function gatewayAgentSecretsEnv(secrets: LocalSecrets): Record<string, string> {
  return Object.fromEntries(
    GAME_AGENT_IDS.map((id) => [agentSecretEnvName(id), secrets.agentSecrets[id]]),
  );
}
