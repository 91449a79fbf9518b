import bs58 from 'bs58';
import nacl from 'tweetnacl';

/** The subset of the injected Solana wallet API (Phantom and compatible) used for sign-in. */
interface InjectedSolana {
  isPhantom?: boolean;
  publicKey?: { toBase58(): string } | null;
  connect(): Promise<{ publicKey: { toBase58(): string } }>;
  signMessage(message: Uint8Array, display?: string): Promise<{ signature: Uint8Array }>;
}

export interface Wallet {
  kind: 'injected' | 'local';
  label: string;
  address: string;
  /** Signs UTF-8 text; resolves to the base58 ed25519 signature. */
  sign(message: string): Promise<string>;
}

const LOCAL_KEY = 'pardon.localWallet.v1';

function injected(): InjectedSolana | undefined {
  const w = window as unknown as { solana?: InjectedSolana; phantom?: { solana?: InjectedSolana } };
  const candidate = w.phantom?.solana ?? w.solana;
  return candidate && typeof candidate.signMessage === 'function' ? candidate : undefined;
}

export function hasInjectedWallet(): boolean {
  return injected() !== undefined;
}

/** Connects the browser's Solana wallet (asks the user). */
export async function connectInjected(): Promise<Wallet> {
  const provider = injected();
  if (!provider) throw new Error('No Solana wallet in this browser.');
  const { publicKey } = await provider.connect();
  return {
    kind: 'injected',
    label: provider.isPhantom ? 'Phantom' : 'Solana wallet',
    address: publicKey.toBase58(),
    sign: async (message) => {
      const { signature } = await provider.signMessage(new TextEncoder().encode(message), 'utf8');
      return bs58.encode(signature);
    },
  };
}

/**
 * A keypair made in this browser and kept in localStorage: fine for trying the game, not for
 * anything of value (anyone with access to this browser profile holds the key).
 */
export function localWallet(): Wallet {
  let secret: Uint8Array | undefined;
  const stored = localStorage.getItem(LOCAL_KEY);
  if (stored) {
    try {
      const bytes = bs58.decode(stored);
      if (bytes.length === 64) secret = bytes;
    } catch {
      secret = undefined;
    }
  }
  if (!secret) {
    secret = nacl.sign.keyPair().secretKey;
    localStorage.setItem(LOCAL_KEY, bs58.encode(secret));
  }
  const pair = nacl.sign.keyPair.fromSecretKey(secret);
  return {
    kind: 'local',
    label: 'Local test wallet',
    address: bs58.encode(pair.publicKey),
    sign: (message) =>
      Promise.resolve(
        bs58.encode(nacl.sign.detached(new TextEncoder().encode(message), pair.secretKey)),
      ),
  };
}

export function forgetLocalWallet(): void {
  localStorage.removeItem(LOCAL_KEY);
}

export function shortAddress(address: string): string {
  return address.length > 10 ? `${address.slice(0, 4)}…${address.slice(-4)}` : address;
}
