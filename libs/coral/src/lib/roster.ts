import { createHmac } from 'node:crypto';

/**
 * The agents of the Pardon Simulator game, by the ids they connect to a pool with. Every pool needs
 * all of them before it takes players; the agents app holds their personas, and the gateway, the
 * infrastructure, the local topology and the load test use these ids.
 */
export const GAME_AGENT_IDS = [
  'trump-donald',
  'trump-melania',
  'trump-eric',
  'trump-donjr',
  'trump-barron',
  'cz',
] as const;

export type GameAgentId = (typeof GAME_AGENT_IDS)[number];

/** What a roster agent id looks like: lower-case, so no wallet address (base58) can pass for one. */
export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Shortest agent secret the gateway accepts (hex of 16 random bytes). */
export const MIN_AGENT_SECRET_CHARS = 32;

/**
 * The environment variable that carries an agent's own secret to the gateway (which holds them
 * all) and, as `AGENT_SECRET`, to the agent: `trump-donald` → `AGENT_SECRET_TRUMP_DONALD`.
 */
export function agentSecretEnvName(agentId: string): string {
  return `AGENT_SECRET_${agentId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * The path segment of an agent's Coral 1.2 URLs for one pool (`/mcp/v1/{segment}/sse`). Like
 * Coral's agent secret it is opaque and names the agent and its session (here a pool); it is
 * derived from the agent's own secret, so an agent computes its URLs for every pool from the one
 * secret it holds, and a URL that leaks opens one pool, not the others.
 */
export function coralAgentPathSecret(agentSecret: string, poolId: string): string {
  return createHmac('sha256', agentSecret).update(`coral-1.2 pool:${poolId}`).digest('base64url');
}
