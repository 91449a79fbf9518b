/** JSON schemas both dialects' routes use. */

/** `?sessionId=` of the SSE message POST, as the SDK's `endpoint` event names it. */
export const SessionQuery = {
  type: 'object',
  required: ['sessionId'],
  properties: { sessionId: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

/** Agent routes stay open as long as agents live: their waits poll for hours. */
export const AGENT_ROUTE_CONFIG = { rateLimit: false } as const;
