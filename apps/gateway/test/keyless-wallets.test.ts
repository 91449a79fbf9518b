// Locks in that a wallet nobody holds the key of cannot sign in: every small-order public key
// (with the forged signature R = small-order point, S = 0 that the libraries accept) is refused
// with 400 on /api/auth/nonce and on /api/auth/verify before any lookup, and a malleated
// signature (S + L) of a real wallet is refused with 401, spending nothing and storing nothing.
import { useGateway } from './support/fixture';
import { forgeSignature, malleate, SMALL_ORDER_KEYS } from './support/small-order';
import { decodeBase58, encodeBase58 } from '../src/sign-in/wallet';
import { newWallet, postJson } from './support/wallet';

const TABLES = ['users', 'sessions', 'threads', 'messages', 'auth_nonces'];

describe('keyless wallets', () => {
  const f = useGateway({}, { agents: false });

  async function snapshot(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const t of TABLES) out[t] = await f.db.query(`SELECT * FROM ${t} ORDER BY 1`);
    return out;
  }

  /** The whole attack: a nonce for the key, a forged signature, verify. */
  async function forgedSignIn(address: string): Promise<{ nonce: number; verify?: number }> {
    const bytes = decodeBase58(address) as Uint8Array;
    for (let attempt = 0; attempt < 40; attempt++) {
      const n = await postJson(`${f.gw.url}/api/auth/nonce`, { wallet: address });
      if (n.status !== 200) {
        expect(n.json).toEqual({ error: expect.any(String), message: expect.any(String) });
        return { nonce: n.status };
      }
      const sig = forgeSignature(bytes, n.json.message as string);
      if (!sig) continue; // no small-order R fits this message; a new nonce gives a new message
      const v = await postJson(`${f.gw.url}/api/auth/verify`, {
        wallet: address,
        nonce: n.json.nonce,
        signature: encodeBase58(sig),
      });
      return { nonce: n.status, verify: v.status };
    }
    throw new Error('no forgery in 40 nonces');
  }

  it.each(SMALL_ORDER_KEYS.map((k) => [k.name, k.address] as const))(
    '%s: no nonce, no sign-in, nothing stored',
    async (_name, address) => {
      const before = await snapshot();
      expect(await forgedSignIn(address)).toEqual({ nonce: 400 });
      // verify refuses the key before it looks the nonce up (400, not 401 bad_nonce).
      const v = await postJson(`${f.gw.url}/api/auth/verify`, {
        wallet: address,
        nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
        signature: encodeBase58(new Uint8Array(64)),
      });
      expect(v.status).toBe(400);
      expect(v.json).toEqual({
        error: 'validation_failed',
        message: expect.stringMatching(/wallet/),
      });
      expect(await snapshot()).toEqual(before);
    },
  );

  it('refuses a malleated signature (S + L) of a real wallet and leaves its nonce unspent', async () => {
    const wallet = newWallet();
    const n = await postJson(`${f.gw.url}/api/auth/nonce`, { wallet: wallet.address });
    expect(n.status).toBe(200);
    const good = decodeBase58(wallet.sign(n.json.message)) as Uint8Array;
    const before = await snapshot();
    const bad = await postJson(`${f.gw.url}/api/auth/verify`, {
      wallet: wallet.address,
      nonce: n.json.nonce,
      signature: encodeBase58(malleate(good)),
    });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ error: 'bad_signature', message: expect.any(String) });
    expect(await snapshot()).toEqual(before);
    // The canonical signature still works with the same nonce.
    const ok = await postJson(`${f.gw.url}/api/auth/verify`, {
      wallet: wallet.address,
      nonce: n.json.nonce,
      signature: encodeBase58(good),
    });
    expect(ok.status).toBe(200);
  });
});
