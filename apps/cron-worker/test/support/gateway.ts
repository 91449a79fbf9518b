// A real gateway process (apps/gateway/src/main.ts) for the end-to-end lifecycle tests, with real
// MCP agents on its pools and a signed-in player. The cron-worker never talks to it directly:
// everything goes through the database, LISTEN/NOTIFY and the gateway's own /health.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { CoralToolClient, buildCoralSseUrl, agentSecretEnvName } from '@pardon/coral';
import { freePort } from '@pardon/test-env';
import { answersHttp, appSource, ProcessGroup } from '@pardon/topology';
import bs58 from 'bs58';
import nacl from 'tweetnacl';

/** Each test agent's own secret (the gateway refuses any other for that id). */
export const agentSecretOf = (agentId: string): string =>
  `cron-test-secret-${agentId}-0123456789abcdef0123`;
export const AGENTS = ['agent-a', 'agent-b'] as const;
export const POOLS = ['pool-0', 'pool-1'] as const;

export interface GatewayProcess {
  url: string;
  taskId: string;
  output(): string;
  /** SIGKILLs the gateway by PID and waits until it is gone. */
  stop(): Promise<void>;
}

const gateways = new ProcessGroup();

/** The gateways' OPS_TOKEN: the worker sends it to read which agents /health names. */
export const GATEWAY_OPS_TOKEN = 'cron-test-ops-token-0123456789';

/** Starts the gateway from source on a free port and waits (45 s at most) until /health answers. */
export async function startGatewayProcess(
  databaseUrl: string,
  taskId: string,
): Promise<GatewayProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await gateways.start({
    name: `gateway ${taskId}`,
    ...appSource('gateway'),
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      POOL_COUNT: String(POOLS.length),
      POOL_CAPACITY: '30',
      REQUIRED_AGENTS: AGENTS.join(','),
      ...Object.fromEntries(AGENTS.map((id) => [agentSecretEnvName(id), agentSecretOf(id)])),
      TOKEN_SECRET: 'cron-test-token-secret-0123456789-abcdefghij',
      OPS_TOKEN: GATEWAY_OPS_TOKEN,
      TASK_ID: taskId,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
    },
    ready: answersHttp(`${url}/health`),
    readyTimeoutMs: 45_000,
  });
  return {
    url,
    taskId,
    output: () => proc.output(),
    stop: async () => {
      await proc.kill('SIGKILL');
    },
  };
}

export interface Agent {
  id: string;
  pool: string;
  tools: CoralToolClient;
  close(): Promise<void>;
}

/** Connects every agent to every pool over Coral's SSE URL with the real MCP SDK client. */
export async function connectAgents(baseUrl: string): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (const pool of POOLS) {
    for (const id of AGENTS) {
      const transport = new SSEClientTransport(
        buildCoralSseUrl({
          baseUrl,
          applicationId: 'app',
          privacyKey: 'priv',
          sessionId: pool,
          agentId: id,
          agentDescription: `cron-worker test agent ${id}`,
        }),
        { requestInit: { headers: { authorization: `Bearer ${agentSecretOf(id)}` } } },
      );
      const client = new Client({ name: id, version: '1.0.0' });
      await client.connect(transport);
      agents.push({
        id,
        pool,
        tools: new CoralToolClient(client),
        close: () => client.close().catch(() => undefined),
      });
    }
  }
  return agents;
}

async function call(
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Signs a fresh wallet in, opens a session and a thread with `agentId`; returns their ids. */
export async function playerThread(
  baseUrl: string,
  agentId: string,
): Promise<{ sessionId: string; threadId: string; pool: string }> {
  const keys = nacl.sign.keyPair();
  const wallet = bs58.encode(keys.publicKey);
  const nonce = await call('POST', `${baseUrl}/api/auth/nonce`, undefined, { wallet });
  if (nonce.status !== 200) throw new Error(`nonce: ${nonce.status} ${JSON.stringify(nonce.json)}`);
  const signature = bs58.encode(
    nacl.sign.detached(new TextEncoder().encode(String(nonce.json['message'])), keys.secretKey),
  );
  const verify = await call('POST', `${baseUrl}/api/auth/verify`, undefined, {
    wallet,
    nonce: nonce.json['nonce'],
    signature,
  });
  if (verify.status !== 200)
    throw new Error(`verify: ${verify.status} ${JSON.stringify(verify.json)}`);
  const token = String(verify.json['token']);
  const session = await call('POST', `${baseUrl}/api/sessions`, token);
  if (session.status !== 200)
    throw new Error(`session: ${session.status} ${JSON.stringify(session.json)}`);
  const thread = await call('POST', `${baseUrl}/api/threads`, token, { agentId });
  if (thread.status !== 201)
    throw new Error(`thread: ${thread.status} ${JSON.stringify(thread.json)}`);
  return {
    sessionId: String(session.json['sessionId']),
    threadId: String(thread.json['threadId']),
    pool: String(thread.json['pool']),
  };
}

/** Whether the thread is closed on the agent's bus: sending into it answers `thread_closed`. */
export async function closedOnBus(agent: Agent, threadId: string): Promise<boolean> {
  const result = (await agent.tools.sendMessage({
    threadId,
    content: 'still there?',
    mentions: [],
  })) as {
    result: string;
    code?: string;
  };
  return result.result === 'error' && result.code === 'thread_closed';
}
