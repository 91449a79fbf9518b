import { buildCoral12Url, buildCoralSseUrl, coralAgentPathSecret } from '@pardon/coral';
import type { CoralDialect } from './port';

export type CoralTransportKind = 'sse' | 'streamable-http';

/** Where a Coral server is and which app/privacy key the agent uses (parsed from CORAL_SSE_URL). */
export interface CoralEndpoint {
  /** The gateway's base URL (`http://host:5555`), for both dialects. */
  origin: string;
  /** Coral 1.0 only. */
  applicationId: string;
  /** Coral 1.0 only. */
  privacyKey: string;
}

const DEVMODE = /^\/sse\/v1\/devmode\/([^/]+)\/([^/]+)(?:\/([^/]+)\/sse)?\/?$/;

/** Defaults when CORAL_SSE_URL is a bare origin. */
export const DEFAULT_APPLICATION_ID = 'pardon';
export const DEFAULT_PRIVACY_KEY = 'public';

/**
 * Reads `CORAL_SSE_URL`. Accepted: the devmode base `http://h:5555/sse/v1/devmode/{app}/{key}` (the
 * pool id is appended), a full Coral session URL `…/devmode/{app}/{key}/{session}/sse` as
 * production agents are configured (the session segment is replaced by each pool id), or a bare
 * origin `http://h:5555`. Coral 1.2 uses the origin only, so the same setting serves both.
 */
export function parseCoralEndpoint(raw: string): CoralEndpoint {
  const url = new URL(raw);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') {
    return {
      origin: url.origin,
      applicationId: DEFAULT_APPLICATION_ID,
      privacyKey: DEFAULT_PRIVACY_KEY,
    };
  }
  const match = DEVMODE.exec(path);
  if (!match) {
    throw new Error(
      `CORAL_SSE_URL path "${url.pathname}" is not Coral's /sse/v1/devmode/{app}/{key}[/{session}/sse]`,
    );
  }
  return {
    origin: url.origin,
    applicationId: decodeURIComponent(match[1] as string),
    privacyKey: decodeURIComponent(match[2] as string),
  };
}

/** The Coral 1.0 URL an agent connects to for `pool` with the given transport. */
export function poolUrl(
  endpoint: CoralEndpoint,
  kind: CoralTransportKind,
  pool: string,
  agentId: string,
  agentDescription: string,
): URL {
  const address = {
    baseUrl: endpoint.origin,
    applicationId: endpoint.applicationId,
    privacyKey: endpoint.privacyKey,
    sessionId: pool,
    agentId,
    agentDescription,
  };
  if (kind === 'sse') return buildCoralSseUrl(address);
  // Streamable HTTP at the same shape of path as the gateway serves it (`/mcp/…/{pool}/mcp`).
  const url = buildCoralSseUrl(address);
  url.pathname = url.pathname.replace(/^\/sse\//, '/mcp/').replace(/\/sse$/, '/mcp');
  return url;
}

/** Who the agent is, for building its addresses. */
export interface AgentIdentity {
  agentId: string;
  agentDescription: string;
  /** The agent's own secret (`AGENT_SECRET`). */
  secret: string;
}

/** Where and how to connect: the URL and the HTTP headers every request carries. */
export interface PoolAddress {
  url: URL;
  headers: Record<string, string>;
}

/**
 * The address of `pool` in `dialect`. Coral 1.0: the devmode URL with the agent id in the query,
 * and the secret as `Authorization: Bearer` (the gateway checks it is this agent's). Coral 1.2:
 * `/mcp/v1/{segment}/sse/` or `/mcp/v1/{segment}/mcp`, the segment derived from the secret and the
 * pool (`coralAgentPathSecret`); it alone names the agent, so no header is sent.
 */
export function poolAddress(
  dialect: CoralDialect,
  endpoint: CoralEndpoint,
  kind: CoralTransportKind,
  pool: string,
  identity: AgentIdentity,
): PoolAddress {
  if (dialect === 'coral-1.2') {
    const segment = coralAgentPathSecret(identity.secret, pool);
    return { url: buildCoral12Url(endpoint.origin, segment, kind), headers: {} };
  }
  return {
    url: poolUrl(endpoint, kind, pool, identity.agentId, identity.agentDescription),
    headers: { Authorization: `Bearer ${identity.secret}` },
  };
}
