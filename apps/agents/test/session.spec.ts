// Locks in how CORAL_SSE_URL becomes per-pool URLs with Coral's conventions, for both transports.
import { parseCoralEndpoint, poolUrl } from '../src/lib/coral/urls';

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
