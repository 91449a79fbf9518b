// Locks in Coral's devmode SSE addressing, as agents build it.
import { buildCoralMessagePath, buildCoralSseUrl, CORAL_SSE_ROUTE } from '../src';

describe('Coral URLs', () => {
  it('builds the devmode SSE URL with agentId and agentDescription query parameters', () => {
    const url = buildCoralSseUrl({
      baseUrl: 'http://127.0.0.1:5555',
      applicationId: 'pardon',
      privacyKey: 'k',
      sessionId: 'pool-2',
      agentId: 'trump-donald',
      agentDescription: 'The 45th & 47th',
    });
    expect(url.pathname).toBe('/sse/v1/devmode/pardon/k/pool-2/sse');
    expect(url.searchParams.get('agentId')).toBe('trump-donald');
    expect(url.searchParams.get('agentDescription')).toBe('The 45th & 47th');
    expect(CORAL_SSE_ROUTE).toBe('/sse/v1/devmode/:applicationId/:privacyKey/:sessionId/sse');
  });

  it('escapes path segments so a key cannot change the route', () => {
    const url = buildCoralSseUrl({
      baseUrl: 'http://127.0.0.1:5555/',
      applicationId: 'app',
      privacyKey: 'a/b?c',
      sessionId: 'pool-0',
      agentId: 'cz',
    });
    expect(url.pathname).toBe('/sse/v1/devmode/app/a%2Fb%3Fc/pool-0/sse');
    expect(url.searchParams.has('agentDescription')).toBe(false);
    expect(
      buildCoralMessagePath({ applicationId: 'app', privacyKey: 'k', sessionId: 'pool-0' }),
    ).toBe('/api/v1/message/devmode/app/k/pool-0');
  });
});
