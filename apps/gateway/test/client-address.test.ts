// Locks in whose address request.ip is (issue 16, item 1): X-Forwarded-For counts only when the
// peer is a trusted proxy (TRUSTED_PROXIES), so players behind the load balancer each get their own
// per-IP rate bucket, while a client that is not a trusted proxy cannot pick its bucket by
// claiming addresses. Clients bind distinct loopback source addresses (127.0.0.0/8 is all local).
import { startStickyProxy, type StickyProxy } from '@pardon/topology';
import { Agent, request, type Dispatcher } from 'undici';
import { useGateway } from './support/fixture';
import { newWallet } from './support/wallet';

const PROXY_ADDRESS = '127.0.0.2';
const IP_LIMIT = 3;

const agents: Agent[] = [];
/** A client whose connections come from `localAddress`. */
function clientAt(localAddress: string): Dispatcher {
  const agent = new Agent({ localAddress });
  agents.push(agent);
  return agent;
}

/** `POST /api/auth/nonce` for a fresh wallet (IP-limited, wallet limits do not apply). */
async function askNonce(
  baseUrl: string,
  dispatcher: Dispatcher,
  headers: Record<string, string> = {},
): Promise<number> {
  const res = await request(`${baseUrl}/api/auth/nonce`, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ wallet: newWallet().address }),
  });
  await res.body.text();
  return res.statusCode;
}

async function statuses(n: number, one: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) out.push(await one());
  return out;
}

describe('client addresses', () => {
  const f = useGateway(
    { TRUSTED_PROXIES: `${PROXY_ADDRESS}/32`, RATE_LIMIT_IP_PER_MIN: String(IP_LIMIT) },
    { agents: false },
  );
  let proxy: StickyProxy | undefined;

  afterAll(async () => {
    await proxy?.close();
    await Promise.all(agents.map((a) => a.close()));
  });

  it('takes the client from X-Forwarded-For of a trusted proxy, one bucket per client', async () => {
    const viaProxy = clientAt(PROXY_ADDRESS);
    const first = { 'x-forwarded-for': '198.51.100.1' };
    expect(await statuses(IP_LIMIT + 1, () => askNonce(f.gw.url, viaProxy, first))).toEqual([
      200, 200, 200, 429,
    ]);
    // Another client behind the same proxy has its own budget.
    const second = { 'x-forwarded-for': '198.51.100.2' };
    expect(await askNonce(f.gw.url, viaProxy, second)).toBe(200);
    // The address the proxy appended is the client; what the client wrote before it is not.
    const spoofing = { 'x-forwarded-for': '203.0.113.9, 198.51.100.1' };
    expect(await askNonce(f.gw.url, viaProxy, spoofing)).toBe(429);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const direct = clientAt('127.0.0.3');
    let n = 0;
    const claimed = () => askNonce(f.gw.url, direct, { 'x-forwarded-for': `192.0.2.${++n}` });
    expect(await statuses(IP_LIMIT + 1, claimed)).toEqual([200, 200, 200, 429]);
  });

  it('gives two players behind the sticky balancer separate rate buckets', async () => {
    proxy = await startStickyProxy({
      targets: [{ id: 'task-1', url: f.gw.url }],
      sourceAddress: PROXY_ADDRESS,
    });
    const url = proxy.url;
    const alice = clientAt('127.0.0.4');
    const bob = clientAt('127.0.0.5');
    expect(await statuses(IP_LIMIT + 1, () => askNonce(url, alice))).toEqual([200, 200, 200, 429]);
    expect(await askNonce(url, bob)).toBe(200);
    // A player naming another address to the balancer is still itself.
    expect(await askNonce(url, alice, { 'x-forwarded-for': '127.0.0.9' })).toBe(429);
  });
});
