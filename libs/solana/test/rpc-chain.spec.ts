// Locks in createRpcChain over real HTTP: the requests it makes (jsonParsed, version 0, a
// commitment the method serves) and how failures map to ChainUnavailableError /
// TransactionRejectedError / ChainResponseError. The node is a small loopback HTTP server.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ChainResponseError,
  ChainUnavailableError,
  TransactionRejectedError,
  createRpcChain,
} from '../src';

const SIG =
  '99eUso3aSbE9tqGSTXzo3TLfKb9RkMTURrHKQ1K7Zh3BbeqPevr5E1iCbpTjqHuTFLtfxTTD5ekfVuZFzQyEQf8';
const payment = readFileSync(join(__dirname, 'fixtures', 'get-transaction-payment.json'), 'utf8');

interface Call {
  method: string;
  params: unknown[];
}
type Reply = (call: Call) => { status?: number; body: unknown };

let server: Server;
let url: string;
let reply: Reply;
const calls: Call[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = JSON.parse(body) as Call & { id: unknown };
      calls.push(call);
      const { status = 200, body: out } = reply(call);
      const text =
        typeof out === 'string'
          ? out
          : JSON.stringify({ jsonrpc: '2.0', id: call.id, ...(out as object) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  calls.length = 0;
});

describe('createRpcChain', () => {
  it('asks getTransaction for jsonParsed, version 0, at a commitment the method serves', async () => {
    reply = () => ({ body: { result: (JSON.parse(payment) as { result: unknown }).result } });
    const chain = createRpcChain({ url, commitment: 'processed' });
    const tx = await chain.getTransaction(SIG);
    expect(tx?.signature).toBe(SIG);
    expect(calls[0]).toMatchObject({
      method: 'getTransaction',
      params: [
        SIG,
        { encoding: 'jsonParsed', maxSupportedTransactionVersion: 0, commitment: 'confirmed' },
      ],
    });
  });

  it('gives null for an unknown transaction and parses signature lists', async () => {
    reply = (call) =>
      call.method === 'getTransaction'
        ? { body: { result: null } }
        : {
            body: {
              result: [
                {
                  signature: SIG,
                  slot: 5,
                  err: null,
                  memo: null,
                  blockTime: 7,
                  confirmationStatus: 'finalized',
                },
              ],
            },
          };
    const chain = createRpcChain({ url, commitment: 'finalized' });
    await expect(chain.getTransaction(SIG)).resolves.toBeNull();
    await expect(
      chain.signaturesFor('11111111111111111111111111111111', { limit: 3 }),
    ).resolves.toEqual([{ signature: SIG, failed: false, blockTime: 7, slot: 5 }]);
    // kit leaves out 'finalized': it is the node's default.
    expect(calls[1]?.params[1]).toEqual({ limit: 3 });
  });

  it('returns the latest blockhash with its last valid block height as bigint', async () => {
    reply = () => ({
      body: {
        result: { context: { slot: 1 }, value: { blockhash: 'abc', lastValidBlockHeight: 300 } },
      },
    });
    const chain = createRpcChain({ url, commitment: 'confirmed' });
    await expect(chain.latestBlockhash()).resolves.toEqual({
      blockhash: 'abc',
      lastValidBlockHeight: 300n,
    });
  });

  it('sends base64 with preflight and returns the signature', async () => {
    reply = () => ({ body: { result: SIG } });
    const chain = createRpcChain({ url, commitment: 'confirmed' });
    await expect(chain.sendTransaction('AQID')).resolves.toBe(SIG);
    expect(calls[0]?.params[1]).toEqual({
      encoding: 'base64',
      preflightCommitment: 'confirmed',
      skipPreflight: false,
    });
  });

  it('maps a refused transaction to TransactionRejectedError, a ChainUnavailableError', async () => {
    reply = () => ({
      body: {
        error: {
          code: -32002,
          message: 'Transaction simulation failed: Blockhash not found',
          data: {
            err: 'BlockhashNotFound',
            logs: [],
            accounts: null,
            unitsConsumed: 0,
            returnData: null,
          },
        },
      },
    });
    const chain = createRpcChain({ url, commitment: 'confirmed' });
    const err = await chain.sendTransaction('AQID').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionRejectedError);
    expect(err).toBeInstanceOf(ChainUnavailableError);
    expect((err as TransactionRejectedError).rpcCode).toBe(-32002);

    reply = () => ({
      body: { error: { code: -32003, message: 'Transaction signature verification failure' } },
    });
    await expect(chain.sendTransaction('AQID')).rejects.toMatchObject({ rpcCode: -32003 });
  });

  it('maps HTTP 5xx, other JSON-RPC errors and a refused connection to ChainUnavailableError', async () => {
    const chain = createRpcChain({ url, commitment: 'confirmed' });
    reply = () => ({ status: 503, body: 'busy' });
    await expect(chain.getTransaction(SIG)).rejects.toBeInstanceOf(ChainUnavailableError);
    reply = () => ({ body: { error: { code: -32005, message: 'Node is unhealthy' } } });
    const unhealthy = await chain.latestBlockhash().catch((e: unknown) => e);
    expect(unhealthy).toBeInstanceOf(ChainUnavailableError);
    expect(unhealthy).not.toBeInstanceOf(TransactionRejectedError);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nobody = createRpcChain({ url: `http://127.0.0.1:${port}`, commitment: 'confirmed' });
    await expect(nobody.latestBlockhash()).rejects.toBeInstanceOf(ChainUnavailableError);
  });

  it('maps an answer in the wrong shape to ChainResponseError', async () => {
    reply = () => ({ body: { result: { slot: 'x' } } });
    const chain = createRpcChain({ url, commitment: 'confirmed' });
    await expect(chain.getTransaction(SIG)).rejects.toBeInstanceOf(ChainResponseError);
    reply = () => ({ body: { result: { value: {} } } });
    await expect(chain.latestBlockhash()).rejects.toBeInstanceOf(ChainResponseError);
  });
});
