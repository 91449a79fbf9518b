// Locks in the JSON-RPC surface of the local chain over HTTP: documented result shapes of the
// read methods, JSON-RPC errors, CORS, and the loopback faucet.
import nacl from 'tweetnacl';
import bs58 from 'bs58';
import { associatedTokenAddressSync } from '@pardon/solana';
import { type LocalChain, startLocalChain } from '../src';

let local: LocalChain;

beforeAll(async () => {
  local = await startLocalChain();
});
afterAll(async () => {
  await local.close();
});

// The answers are read field by field in the assertions; `any` keeps them short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { result?: any; error?: { code: number; message: string } };

async function rpc(method: string, params: unknown[] = []): Promise<Answer> {
  const res = await fetch(local.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()) as Answer;
}

describe('the local chain JSON-RPC server', () => {
  it('answers health, slot and the latest blockhash', async () => {
    expect((await rpc('getHealth')).result).toBe('ok');
    expect(typeof (await rpc('getSlot')).result).toBe('number');
    const { result } = await rpc('getLatestBlockhash');
    expect(result).toEqual({
      context: { slot: expect.any(Number), apiVersion: expect.any(String) },
      value: { blockhash: expect.any(String), lastValidBlockHeight: expect.any(Number) },
    });
  });

  it('funds a wallet through POST /faucet: tokens in its ATA and 1 SOL', async () => {
    const wallet = bs58.encode(nacl.sign.keyPair().publicKey);
    const res = await fetch(`${local.url}/faucet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ wallet, tokens: 25 }),
    });
    expect(res.status).toBe(200);
    const ata = associatedTokenAddressSync(wallet, local.mint);
    expect((await rpc('getTokenAccountBalance', [ata])).result.value).toEqual({
      amount: '25000000',
      decimals: 6,
      uiAmount: 25,
      uiAmountString: '25',
    });
    expect((await rpc('getBalance', [wallet])).result.value).toBe(1_000_000_000);
    const info = (await rpc('getAccountInfo', [ata, { encoding: 'base64' }])).result.value;
    expect(info).toMatchObject({
      owner: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
      executable: false,
      space: 165,
      data: [expect.any(String), 'base64'],
    });
    expect(info.rentEpoch).toBe(18446744073709552000); // u64::MAX, written as a JSON integer
  });

  it('airdrops with requestAirdrop and reports the signature status', async () => {
    const wallet = bs58.encode(nacl.sign.keyPair().publicKey);
    const { result: signature } = await rpc('requestAirdrop', [wallet, 5_000_000]);
    const { result } = await rpc('getSignatureStatuses', [
      [signature, bs58.encode(new Uint8Array(64))],
    ]);
    expect(result.value).toEqual([
      {
        slot: expect.any(Number),
        confirmations: null,
        err: null,
        status: { Ok: null },
        confirmationStatus: 'finalized',
      },
      null,
    ]);
  });

  it('answers an unknown method with -32601 and bad params with -32602', async () => {
    expect((await rpc('getBlock', [1])).error?.code).toBe(-32601);
    expect((await rpc('getBalance', ['not-an-address'])).error?.code).toBe(-32602);
    expect((await rpc('getTokenAccountBalance', [local.treasury])).error?.code).toBe(-32602);
  });

  it('serves CORS preflight for browsers', async () => {
    const res = await fetch(local.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://example.test' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers a batch request', async () => {
    const res = await fetch(local.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'getHealth' },
        { jsonrpc: '2.0', id: 2, method: 'nope' },
      ]),
    });
    const body = (await res.json()) as { id: number }[];
    expect(body.map((b) => b.id)).toEqual([1, 2]);
  });
});
