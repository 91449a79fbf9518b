import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** An SSE comment: every SSE parser skips it, and it keeps idle-timeout proxies from cutting in. */
const KEEPALIVE = ': keepalive\n\n';

function contentTypeOf(
  res: ServerResponse,
  headers: OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined,
): string {
  if (headers && !Array.isArray(headers)) {
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() === 'content-type') return String(value);
    }
  }
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === 'content-type') return String(headers[i + 1]);
    }
  }
  return String(res.getHeader('content-type') ?? '');
}

/**
 * Makes every event stream `res` turns into send a keepalive comment every `intervalMs`. The MCP
 * SDK's transports decide for themselves whether a response is an event stream (the SSE
 * transport's stream, a Streamable HTTP reply to a long `wait` call), so this watches the head
 * they write rather than asking them. Agents park waits of up to ten minutes; the load balancer
 * in front closes a connection that is silent for 60 s.
 */
export function keepEventStreamsAlive(res: ServerResponse, intervalMs: number): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const result = writeHead(...args);
    const headers = (typeof args[1] === 'object' ? args[1] : args[2]) as
      OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;
    if (contentTypeOf(res, headers).includes('text/event-stream')) start();
    return result;
  }) as typeof res.writeHead;

  let timer: NodeJS.Timeout | undefined;
  function start(): void {
    if (timer) return;
    timer = setInterval(() => {
      if (res.writableEnded || res.destroyed) return stop();
      res.write(KEEPALIVE);
    }, intervalMs);
    timer.unref();
    res.once('close', stop);
  }
  function stop(): void {
    if (timer) clearInterval(timer);
    timer = undefined;
  }
}
