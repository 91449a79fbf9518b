/**
 * Coral's HTTP+SSE addressing (coral-server 0.x, devmode): an agent opens
 * `GET /sse/v1/devmode/{applicationId}/{privacyKey}/{sessionId}/sse?agentId=…&agentDescription=…`
 * and posts its JSON-RPC messages to `/api/v1/message/devmode/{applicationId}/{privacyKey}/{sessionId}`
 * (the SDK's SSE transport appends `?sessionId=<transport session>`). Here a Coral session is a pool.
 */

/** Route patterns in Fastify/find-my-way syntax. */
export const CORAL_SSE_ROUTE = '/sse/v1/devmode/:applicationId/:privacyKey/:sessionId/sse';
export const CORAL_MESSAGE_ROUTE = '/api/v1/message/devmode/:applicationId/:privacyKey/:sessionId';

export interface CoralSseAddress {
  /** e.g. `http://127.0.0.1:5555` */
  baseUrl: string;
  applicationId: string;
  privacyKey: string;
  /** The pool id (`pool-0`). */
  sessionId: string;
  agentId: string;
  agentDescription?: string;
}

/** The SSE URL an agent connects to, as Coral agents build it. */
export function buildCoralSseUrl(address: CoralSseAddress): URL {
  const path = [
    'sse',
    'v1',
    'devmode',
    address.applicationId,
    address.privacyKey,
    address.sessionId,
    'sse',
  ]
    .map(encodeURIComponent)
    .join('/');
  const url = new URL(`/${path}`, address.baseUrl);
  url.searchParams.set('agentId', address.agentId);
  if (address.agentDescription !== undefined) {
    url.searchParams.set('agentDescription', address.agentDescription);
  }
  return url;
}

/** The message POST path that pairs with an SSE connection (without the transport session id). */
export function buildCoralMessagePath(
  address: Pick<CoralSseAddress, 'applicationId' | 'privacyKey' | 'sessionId'>,
): string {
  return `/${[
    'api',
    'v1',
    'message',
    'devmode',
    address.applicationId,
    address.privacyKey,
    address.sessionId,
  ]
    .map(encodeURIComponent)
    .join('/')}`;
}

/**
 * Coral 1.2 addressing (coral-server 1.1/1.2): the agent's secret is the one path segment,
 * `GET /mcp/v1/{agentSecret}/sse/` (legacy SSE; its `endpoint` event points back at the same path
 * with `?sessionId=`) or `/mcp/v1/{agentSecret}/mcp` (Streamable HTTP). Here the segment is
 * `coralAgentPathSecret(agentSecret, pool)`.
 */
export const CORAL_1_2_SSE_ROUTE = '/mcp/v1/:agentSecret/sse';
export const CORAL_1_2_STREAMABLE_ROUTE = '/mcp/v1/:agentSecret/mcp';

export function buildCoral12Url(
  baseUrl: string,
  pathSecret: string,
  transport: 'sse' | 'streamable-http',
): URL {
  const segment = encodeURIComponent(pathSecret);
  return new URL(
    transport === 'sse' ? `/mcp/v1/${segment}/sse/` : `/mcp/v1/${segment}/mcp`,
    baseUrl,
  );
}
