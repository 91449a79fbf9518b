import { GatewayError } from '../errors';
import type { Store } from '../shared/store';
import { IssuedNonces } from './issued-nonces';
import { issueToken } from './tokens';
import {
  isSignatureText,
  isWalletAddress,
  newNonce,
  signInMessage,
  verifyWalletSignature,
} from './wallet';

export interface SignInOptions {
  store: Pick<Store, 'createNonce' | 'findNonce' | 'consumeNonceForUser'>;
  nonceTtlS: number;
  /** Live nonces a wallet may hold; a new one replaces the oldest. */
  noncesPerWallet: number;
  tokenSecret: string;
  tokenTtlS: number;
}

/**
 * Wallet sign-in: a single-use server nonce inside a message the wallet signs, exchanged for a
 * short-lived bearer token. Nonces live in the database, so a nonce issued by one task is spent
 * once across the fleet.
 */
export class SignIn {
  private readonly issued = new IssuedNonces();

  constructor(private readonly options: SignInOptions) {}

  async issueNonce(wallet: string): Promise<{ nonce: string; message: string; expiresAt: Date }> {
    requireWallet(wallet);
    const nonce = newNonce();
    const expiresAt = new Date(Date.now() + this.options.nonceTtlS * 1000);
    const message = signInMessage(wallet, nonce, expiresAt);
    await this.options.store.createNonce(
      { nonce, wallet, message, expiresAt },
      this.options.noncesPerWallet,
    );
    this.issued.remember({ nonce, wallet, message, expiresAt });
    return { nonce, message, expiresAt };
  }

  async verify(
    wallet: string,
    nonce: string,
    signature: string,
  ): Promise<{ token: string; expiresAt: Date }> {
    requireWallet(wallet);
    // A malformed or non-canonical signature (S >= L) is refused before the nonce is looked up.
    if (!isSignatureText(signature)) throw new GatewayError('GW_ERR_BAD_SIGNATURE');
    const { store } = this.options;
    const now = new Date();
    const row = this.issued.get(nonce) ?? (await store.findNonce(nonce));
    if (!row || row.wallet !== wallet || row.usedAt !== null || row.expiresAt <= now) {
      throw new GatewayError('GW_ERR_BAD_NONCE');
    }
    // The signature is checked before the nonce is spent, so a bad attempt changes nothing.
    if (!verifyWalletSignature(wallet, row.message, signature)) {
      throw new GatewayError('GW_ERR_BAD_SIGNATURE');
    }
    // Spent and the user created (or its activity moved) in one statement.
    const spent = await store.consumeNonceForUser(nonce, wallet, now);
    this.issued.forget(nonce);
    if (!spent) throw new GatewayError('GW_ERR_BAD_NONCE');
    return issueToken(this.options.tokenSecret, wallet, this.options.tokenTtlS);
  }
}

function requireWallet(wallet: string): void {
  if (!isWalletAddress(wallet)) {
    throw new GatewayError(
      'GW_ERR_VALIDATION',
      'wallet is not a base58 ed25519 public key that can sign (small-order and non-canonical keys are refused).',
    );
  }
}
