import { request } from 'undici';
import { GatewayError } from '../errors';

/** Test tokens and SOL a local game's player gets per faucet call. */
export const LOCAL_FAUCET_TOKENS = 20_000n;
export const LOCAL_FAUCET_LAMPORTS = 1_000_000_000n;

/**
 * The local chain's faucet (`npm start`, tests; PAYMENT_LOCAL_FAUCET_URL): funds the page's
 * local test wallet so a player can pay with it. Never configured on a real cluster.
 */
export class LocalFaucet {
  constructor(private readonly url: string) {}

  async fund(wallet: string): Promise<{ wallet: string; tokens: string; lamports: string }> {
    const response = await request(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ wallet, tokens: LOCAL_FAUCET_TOKENS.toString() }),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    if (!response || response.statusCode >= 300) {
      await response?.body.dump();
      throw new GatewayError(
        'GW_ERR_CHAIN_UNAVAILABLE',
        'The local chain’s faucet did not answer.',
      );
    }
    await response.body.dump();
    return {
      wallet,
      tokens: LOCAL_FAUCET_TOKENS.toString(),
      lamports: LOCAL_FAUCET_LAMPORTS.toString(),
    };
  }
}
