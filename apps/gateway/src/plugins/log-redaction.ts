import type { FastifyRequest } from 'fastify';

/** Query parameters whose value is a credential: `token`, `key`, `apiKey`, `secret`, `agentSecret`, … */
const CREDENTIAL_PARAM = /token|key|secret|passw|signature|auth|credential|jwt|bearer/i;
/** Path segments that are credentials: Coral 1.2's `/mcp/v1/{agentSecret}/…`, devmode's `{key}`. */
const CREDENTIAL_SEGMENTS: Array<[RegExp, string]> = [
  [/^(\/mcp\/v1\/)(?!devmode\/)[^/?]+/, '$1[redacted]'],
  [
    /^(\/(?:sse|mcp)\/v1\/devmode\/[^/?]+\/|\/api\/v1\/message\/devmode\/[^/?]+\/)[^/?]+/,
    '$1[redacted]',
  ],
];
const REDACTED = '[redacted]';

/**
 * A request URL as it may be logged: the value of every credential-like query parameter and
 * credential path segment replaced by `[redacted]`; everything else verbatim.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  for (const [pattern, replacement] of CREDENTIAL_SEGMENTS)
    path = path.replace(pattern, replacement);
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the raw name
      }
      return eq >= 0 && CREDENTIAL_PARAM.test(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

/** pino's `req` serializer: Fastify's default fields, with the URL redacted. */
export function requestSerializer(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
