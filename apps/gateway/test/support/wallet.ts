import nacl from 'tweetnacl';
import { encodeBase58 } from '../../src/sign-in/wallet';

/** A throwaway Solana-style wallet: an ed25519 keypair and its base58 address. */
export interface TestWallet {
  address: string;
  secretKey: Uint8Array;
  sign(message: string): string;
}

export function newWallet(): TestWallet {
  const kp = nacl.sign.keyPair();
  return {
    address: encodeBase58(kp.publicKey),
    secretKey: kp.secretKey,
    sign: (message) =>
      encodeBase58(nacl.sign.detached(new TextEncoder().encode(message), kp.secretKey)),
  };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

export async function request(
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

/** Signs in through the nonce/verify routes and returns the bearer token. */
export async function signIn(baseUrl: string, wallet: TestWallet): Promise<string> {
  const n = await postJson(`${baseUrl}/api/auth/nonce`, { wallet: wallet.address });
  if (n.status !== 200) throw new Error(`nonce: ${n.status} ${JSON.stringify(n.json)}`);
  const v = await postJson(`${baseUrl}/api/auth/verify`, {
    wallet: wallet.address,
    nonce: n.json.nonce,
    signature: wallet.sign(n.json.message),
  });
  if (v.status !== 200) throw new Error(`verify: ${v.status} ${JSON.stringify(v.json)}`);
  return v.json.token as string;
}
