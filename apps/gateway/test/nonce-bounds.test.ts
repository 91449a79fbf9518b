// Locks in the bounded nonce table (issue 16, item 5): one wallet asking for 100 nonces keeps at
// most NONCES_PER_WALLET (5) live, and the oldest no longer verifies; the session-cleanup job
// (`/api/cron/session-cleanup`, libs/db's runner) purges expired nonces and keeps live ones.
import { useGateway } from './support/fixture';
import { CRON_SECRET } from './support/gateway';
import { newWallet, postJson, request } from './support/wallet';

const fx = useGateway(
  { RATE_LIMIT_IP_PER_MIN: '100000', RATE_LIMIT_WALLET_PER_MIN: '100000' },
  { agents: false },
);

async function liveNonces(wallet: string): Promise<number> {
  const rows = await fx.db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM auth_nonces
     WHERE wallet = $1 AND used_at IS NULL AND expires_at > now()`,
    [wallet],
  );
  return Number(rows[0]?.n);
}

describe('sign-in nonces', () => {
  it('a flood of 100 nonce requests keeps at most 5 live; the oldest no longer verifies', async () => {
    const wallet = newWallet();
    const issued: Array<{ nonce: string; message: string }> = [];
    for (let round = 0; round < 10; round++) {
      const got = await Promise.all(
        Array.from({ length: 10 }, () =>
          postJson(`${fx.gw.url}/api/auth/nonce`, { wallet: wallet.address }),
        ),
      );
      for (const g of got) expect(g.status).toBe(200);
      issued.push(...got.map((g) => g.json));
      expect(await liveNonces(wallet.address)).toBeLessThanOrEqual(5);
    }
    expect(await liveNonces(wallet.address)).toBe(5);

    const verify = (n: { nonce: string; message: string }) =>
      postJson(`${fx.gw.url}/api/auth/verify`, {
        wallet: wallet.address,
        nonce: n.nonce,
        signature: wallet.sign(n.message),
      });
    const oldest = await verify(issued[0]!);
    expect(oldest.status).toBe(401);
    expect(oldest.json).toMatchObject({ error: 'bad_nonce' });
    // A fresh nonce still signs in.
    const fresh = await postJson(`${fx.gw.url}/api/auth/nonce`, { wallet: wallet.address });
    expect((await verify(fresh.json)).status).toBe(200);
  });

  it('session-cleanup purges expired nonces and keeps live ones', async () => {
    const wallet = newWallet();
    const got = [];
    for (let i = 0; i < 4; i++) {
      got.push((await postJson(`${fx.gw.url}/api/auth/nonce`, { wallet: wallet.address })).json);
    }
    const [a, b, c, d] = got.map((g) => g.nonce as string);
    await fx.db.query(
      `UPDATE auth_nonces SET expires_at = now() - interval '1 minute' WHERE nonce = ANY($1)`,
      [[a, b, c]],
    );
    const job = await request('POST', `${fx.gw.url}/api/cron/session-cleanup`, {
      headers: { authorization: `Bearer ${CRON_SECRET}` },
    });
    expect(job.status).toBe(200);
    expect(job.json.purgedNonces).toBeGreaterThanOrEqual(3);
    const rows = await fx.db.query<{ nonce: string }>(
      'SELECT nonce FROM auth_nonces WHERE wallet = $1',
      [wallet.address],
    );
    expect(rows.map((r) => r.nonce)).toEqual([d]);
    const expired = await fx.db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM auth_nonces WHERE expires_at < now()',
    );
    expect(Number(expired[0]?.n)).toBe(0);
  });
});
