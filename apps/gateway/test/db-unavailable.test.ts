// Locks in that a database outage is answered with 503 and Retry-After (never a crash or a
// stack), that /health reports it, and that the process keeps serving once it is over.
import { freePort } from '@pardon/test-env';
import { startGateway, type TestGateway } from './support/gateway';
import { newWallet, postJson, request } from './support/wallet';

describe('with the database unreachable', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    const port = await freePort();
    gw = await startGateway(`postgres://postgres:pw@127.0.0.1:${port}/none`, {
      DB_RETRY_BUDGET_MS: '300',
      DB_RETRY_AFTER_S: '7',
    });
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('answers player routes with 503 database_unavailable and Retry-After', async () => {
    const r = await postJson(`${gw.url}/api/auth/nonce`, { wallet: newWallet().address });
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ error: 'database_unavailable', message: expect.any(String) });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('reports the outage on /health and keeps running', async () => {
    const h = await request('GET', `${gw.url}/health`);
    expect(h.status).toBe(503);
    expect(h.json.database).toBe('down');
    const again = await postJson(`${gw.url}/api/auth/nonce`, { wallet: newWallet().address });
    expect(again.status).toBe(503);
  });
});
