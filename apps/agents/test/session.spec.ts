// Locks in how CORAL_SSE_URL and AGENT_SECRET become per-pool addresses with Coral's conventions,
// for both dialects and transports, and that one connection attempt cannot hang.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { coralAgentPathSecret } from '@pardon/coral';
import { parseCoralEndpoint, poolAddress, poolUrl } from '../src/lib/coral/urls';
import { connectMcpSession } from '../src/lib/session';

describe('parseCoralEndpoint', () => {
  it('reads the devmode base URL', () => {
    expect(parseCoralEndpoint('http://127.0.0.1:5555/sse/v1/devmode/app/priv')).toEqual({
      origin: 'http://127.0.0.1:5555',
      applicationId: 'app',
      privacyKey: 'priv',
    });
  });

  it('reads a production-style session URL and drops its session', () => {
    expect(
      parseCoralEndpoint(
        'http://coral:5555/sse/v1/devmode/exampleApplication/privkey/session1/sse/',
      ),
    ).toEqual({
      origin: 'http://coral:5555',
      applicationId: 'exampleApplication',
      privacyKey: 'privkey',
    });
  });

  it('accepts a bare origin with default application and key', () => {
    expect(parseCoralEndpoint('https://game.example.com')).toEqual({
      origin: 'https://game.example.com',
      applicationId: 'pardon',
      privacyKey: 'public',
    });
  });

  it('rejects any other path, naming the expected shape', () => {
    expect(() => parseCoralEndpoint('http://h:1/api/v1')).toThrow(
      /\/sse\/v1\/devmode\/\{app\}\/\{key\}/,
    );
  });
});

describe('poolUrl', () => {
  const endpoint = parseCoralEndpoint('http://127.0.0.1:5555/sse/v1/devmode/app/priv');

  it('builds Coral’s SSE URL with the agent id and description in the query', () => {
    const url = poolUrl(endpoint, 'sse', 'pool-3', 'cz', 'Founder of Binance & more');
    expect(url.pathname).toBe('/sse/v1/devmode/app/priv/pool-3/sse');
    expect(url.searchParams.get('agentId')).toBe('cz');
    expect(url.searchParams.get('agentDescription')).toBe('Founder of Binance & more');
  });

  it('builds the Streamable HTTP URL at the same shape of path', () => {
    const url = poolUrl(endpoint, 'streamable-http', 'pool-0', 'trump-eric', 'x');
    expect(url.origin).toBe('http://127.0.0.1:5555');
    expect(url.pathname).toBe('/mcp/v1/devmode/app/priv/pool-0/mcp');
    expect(url.searchParams.get('agentId')).toBe('trump-eric');
  });
});

describe('poolAddress', () => {
  const endpoint = parseCoralEndpoint('http://127.0.0.1:5555/sse/v1/devmode/app/priv/session1/sse');
  const identity = {
    agentId: 'cz',
    agentDescription: 'CZ',
    secret: 'cz-secret-0123456789abcdef-0123456',
  };

  it('coral-1.0: the devmode URL and the own secret as bearer', () => {
    for (const kind of ['sse', 'streamable-http'] as const) {
      const { url, headers } = poolAddress('coral-1.0', endpoint, kind, 'pool-1', identity);
      expect(url.pathname).toBe(
        kind === 'sse'
          ? '/sse/v1/devmode/app/priv/pool-1/sse'
          : '/mcp/v1/devmode/app/priv/pool-1/mcp',
      );
      expect(url.searchParams.get('agentId')).toBe('cz');
      expect(headers).toEqual({ Authorization: `Bearer ${identity.secret}` });
    }
  });

  it('coral-1.2: the secret segment of the pool on the same origin, no header, no query', () => {
    const segment = coralAgentPathSecret(identity.secret, 'pool-1');
    const sse = poolAddress('coral-1.2', endpoint, 'sse', 'pool-1', identity);
    expect(sse.url.href).toBe(`http://127.0.0.1:5555/mcp/v1/${segment}/sse/`);
    expect(sse.headers).toEqual({});
    const streamable = poolAddress('coral-1.2', endpoint, 'streamable-http', 'pool-1', identity);
    expect(streamable.url.href).toBe(`http://127.0.0.1:5555/mcp/v1/${segment}/mcp`);
    // Each pool has its own segment; none is the secret itself.
    const other = poolAddress('coral-1.2', endpoint, 'sse', 'pool-2', identity);
    expect(other.url.pathname).not.toBe(sse.url.pathname);
    expect(sse.url.href).not.toContain(identity.secret);
  });
});

describe('connectMcpSession', () => {
  /** A transport whose start never settles, like an SSE stream request nobody answers. */
  function stuckTransport(): Transport & { closed: boolean } {
    const transport = {
      closed: false,
      start: () => new Promise<void>(() => undefined),
      send: async () => undefined,
      close: async () => {
        transport.closed = true;
      },
    };
    return transport;
  }

  it('gives up an attempt that does not complete within the connect timeout', async () => {
    const transport = stuckTransport();
    const started = Date.now();
    await expect(connectMcpSession(transport, 'coral-1.2', undefined, 100)).rejects.toThrow(
      'connect timed out after 100 ms',
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(transport.closed).toBe(true);
  });

  it('ends an attempt at once when the agent stops', async () => {
    const transport = stuckTransport();
    const stop = new AbortController();
    const connecting = connectMcpSession(transport, 'coral-1.0', stop.signal, 60_000);
    stop.abort(new Error('agent stopping'));
    await expect(connecting).rejects.toThrow('agent stopping');
    expect(transport.closed).toBe(true);
  });
});
