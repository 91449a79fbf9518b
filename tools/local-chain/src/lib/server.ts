// HTTP for the local chain: JSON-RPC 2.0 on POST / (single and batch requests), CORS for pages
// that call it from a browser, and POST /faucet for loopback callers.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RpcError } from './ledger';
import { RPC_METHOD_NOT_FOUND, type RpcMethod } from './rpc';

const MAX_BODY_BYTES = 1_000_000;
const RPC_PARSE_ERROR = -32700;
const RPC_INVALID_REQUEST = -32600;
const RPC_INTERNAL_ERROR = -32603;

export interface FaucetRequest {
  wallet: string;
  tokens: bigint;
}

export interface ChainServer {
  url: string;
  close(): Promise<void>;
}

export async function listen(opts: {
  host: string;
  port: number;
  methods: Record<string, RpcMethod>;
  faucet: (req: FaucetRequest) => Promise<unknown>;
}): Promise<ChainServer> {
  const faucetAllowed = isLoopback(opts.host);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      send(res, 500, { error: (err as Error).message });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
    res.setHeader('access-control-allow-headers', 'content-type, solana-client');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || (path !== '/' && path !== '/faucet')) {
      send(res, 404, { error: 'not found' });
      return;
    }
    const body = await readBody(req);
    if (body === null) {
      send(res, 413, { error: 'body too large' });
      return;
    }
    if (path === '/faucet') {
      if (!faucetAllowed || !isLoopback(req.socket.remoteAddress ?? '')) {
        send(res, 403, { error: 'the faucet only serves loopback callers' });
        return;
      }
      let wallet: unknown;
      let tokens: unknown;
      try {
        ({ wallet, tokens } = JSON.parse(body) as { wallet?: unknown; tokens?: unknown });
      } catch {
        send(res, 400, { error: 'body must be JSON {wallet, tokens}' });
        return;
      }
      const whole = typeof tokens === 'number' || typeof tokens === 'string' ? tokens : NaN;
      if (typeof wallet !== 'string' || !/^\d+$/.test(String(whole))) {
        send(res, 400, { error: 'body must be JSON {wallet: base58, tokens: whole tokens}' });
        return;
      }
      try {
        send(res, 200, await opts.faucet({ wallet, tokens: BigInt(whole) }));
      } catch (err) {
        send(res, 400, { error: (err as Error).message });
      }
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      send(res, 200, rpcError(null, RPC_PARSE_ERROR, 'Parse error'));
      return;
    }
    if (Array.isArray(request)) {
      send(
        res,
        200,
        request.length === 0
          ? rpcError(null, RPC_INVALID_REQUEST, 'Invalid request')
          : request.map(answer),
      );
      return;
    }
    send(res, 200, answer(request));
  }

  function answer(request: unknown): unknown {
    const r = request as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const id = typeof r?.id === 'string' || typeof r?.id === 'number' ? r.id : null;
    if (
      typeof r !== 'object' ||
      r === null ||
      r.jsonrpc !== '2.0' ||
      typeof r.method !== 'string'
    ) {
      return rpcError(id, RPC_INVALID_REQUEST, 'Invalid request');
    }
    const method = Object.prototype.hasOwnProperty.call(opts.methods, r.method)
      ? opts.methods[r.method]
      : undefined;
    if (!method) return rpcError(id, RPC_METHOD_NOT_FOUND, 'Method not found');
    const params = r.params === undefined ? [] : r.params;
    if (!Array.isArray(params)) return rpcError(id, -32602, 'Invalid params: expected an array');
    try {
      return { jsonrpc: '2.0', result: method(params), id };
    } catch (err) {
      if (err instanceof RpcError) {
        return rpcError(id, err.code, err.message, err.data);
      }
      return rpcError(id, RPC_INTERNAL_ERROR, `Internal error: ${(err as Error).message}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function rpcError(id: unknown, code: number, message: string, data?: unknown) {
  return {
    jsonrpc: '2.0',
    error: data === undefined ? { code, message } : { code, message, data },
    id,
  };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** JSON with bigints written as JSON integers (u64 values such as rentEpoch do not fit a double). */
export function stringifyJson(value: unknown): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint'
      ? v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v)
        : `${marker}${v}`
      : v,
  );
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = stringifyJson(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    host === '::ffff:127.0.0.1' ||
    /^127\./.test(host) ||
    /^::ffff:127\./.test(host)
  );
}
