import bs58 from 'bs58';
import nacl from 'tweetnacl';

/** The subset of the injected Solana wallet API (Phantom and compatible) used for sign-in. */
interface InjectedSolana {
  isPhantom?: boolean;
  publicKey?: { toBase58(): string } | null;
  connect(): Promise<{ publicKey: { toBase58(): string } }>;
  signMessage(message: Uint8Array, display?: string): Promise<{ signature: Uint8Array }>;
  /** Phantom's generic entry point (`signAndSendTransaction` among its methods). */
  request?(args: { method: string; params: unknown }): Promise<unknown>;
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

/** Whether the browser's wallet can sign and send a transaction (the "Pay with Phantom" flow). */
export function canInjectedPay(): boolean {
  return typeof injected()?.request === 'function';
}

/**
 * Has the browser's wallet sign an unsigned wire transaction and send it to its own cluster
 * (`signAndSendTransaction` with the bs58 of the wire bytes, as Phantom takes it); resolves to
 * the transaction's signature (base58). The wallet is connected first (the user may be asked).
 */
export async function injectedSignAndSend(wire: Uint8Array): Promise<string> {
  const provider = injected();
  if (!provider?.request) throw new Error('This wallet cannot send transactions.');
  await provider.connect();
  const answer = (await provider.request({
    method: 'signAndSendTransaction',
    params: { message: bs58.encode(wire) },
  })) as { signature?: unknown } | null;
  if (typeof answer?.signature !== 'string') throw new Error('The wallet returned no signature.');
  return answer.signature;
}

/** The address the browser's wallet pays from (connecting it; the user may be asked). */
export async function injectedAddress(): Promise<string> {
  const provider = injected();
  if (!provider) throw new Error('No Solana wallet in this browser.');
  const { publicKey } = await provider.connect();
  return publicKey.toBase58();
}

/** The local test wallet's keypair if this browser has one (never makes one). */
export function storedLocalKeypair(): { address: string; secretKey: Uint8Array } | undefined {
  const stored = localStorage.getItem(LOCAL_KEY);
  if (!stored) return undefined;
  try {
    const bytes = bs58.decode(stored);
    if (bytes.length !== 64) return undefined;
    const pair = nacl.sign.keyPair.fromSecretKey(bytes);
    return { address: bs58.encode(pair.publicKey), secretKey: pair.secretKey };
  } catch {
    return undefined;
  }
}

export function forgetLocalWallet(): void {
  localStorage.removeItem(LOCAL_KEY);
}

export function shortAddress(address: string): string {
  return address.length > 10 ? `${address.slice(0, 4)}…${address.slice(-4)}` : address;
}
