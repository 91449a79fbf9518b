import { coralAgentPathSecret } from '@pardon/coral';
import { GatewayError } from '../errors';
import { sameSecret } from '../shared/bearer';

/** Which agent of which pool a connection speaks for. */
export interface AgentIdentity {
  agentId: string;
  pool: string;
}

/**
 * One identity per agent: every roster agent has its own secret, and a connection speaks for the
 * agent whose secret it presents, never for an id it merely claims. Ids outside the roster (a
 * wallet address, a typo, a stranger) can never connect, so no connection can act as a player.
 */
export class AgentIdentities {
  private readonly byPathSecret = new Map<string, AgentIdentity>();

  constructor(
    private readonly secrets: ReadonlyMap<string, string>,
    poolIds: readonly string[],
  ) {
    for (const [agentId, secret] of secrets) {
      for (const pool of poolIds) {
        this.byPathSecret.set(coralAgentPathSecret(secret, pool), { agentId, pool });
      }
    }
  }

  /** The configured agents: the required ones and any extra. */
  get roster(): string[] {
    return [...this.secrets.keys()];
  }

  isAgent(agentId: string): boolean {
    return this.secrets.has(agentId);
  }

  /** True when `bearer` is the secret of some roster agent (each compared in constant time). */
  isAgentSecret(bearer: string | undefined): boolean {
    let found = false;
    for (const secret of this.secrets.values()) found = sameSecret(bearer, secret) || found;
    return found;
  }

  /**
   * Coral 1.0 (devmode) URLs name the agent in the query and carry its secret as the bearer
   * token: the id must be in the roster (400) and the token must be that agent's own (401).
   */
  authorizeBearer(agentId: string, bearer: string | undefined): void {
    const secret = this.secrets.get(agentId);
    if (secret === undefined) {
      throw new GatewayError(
        'GW_ERR_UNKNOWN_AGENT',
        `${agentId} is not an agent of this game; agents are: ${this.roster.join(', ')}.`,
      );
    }
    if (!sameSecret(bearer, secret)) {
      throw new GatewayError(
        'GW_ERR_UNAUTHORIZED',
        `Connect as ${agentId} with Authorization: Bearer <the secret of ${agentId}>.`,
      );
    }
  }

  /**
   * Coral 1.2 URLs carry an opaque per-agent, per-pool secret as a path segment
   * (`coralAgentPathSecret`), which alone says who connects where. The segments are HMAC
   * outputs, so a map lookup reveals nothing a timing attacker could build on.
   */
  resolvePathSecret(segment: string): AgentIdentity {
    const identity = this.byPathSecret.get(segment);
    if (!identity) {
      throw new GatewayError(
        'GW_ERR_UNAUTHORIZED',
        'Unknown agent secret: use the connection URL made from your own agent secret.',
      );
    }
    return identity;
  }
}
