import { agentSecretEnvName, buildCoral12Url, coralAgentPathSecret } from '@pardon/coral';
import {
  ensurePythonClients,
  freePort,
  openTestDb,
  PYTHON_CLIENTS,
  stopCoralClients,
  type CoralClientRun,
  type PythonClientsName,
  type TestDb,
} from '@pardon/test-env';
import { answersHttp, appSource, ProcessGroup } from '@pardon/topology';

/** The agents of the test gateway; both are required, so a pool is ready only with both. */
export const AGENTS = ['agent-a', 'agent-b'] as const;
export type AgentName = (typeof AGENTS)[number];
export const OPS_TOKEN = 'coral-clients-ops-token-0123456789';
export const agentSecretOf = (agentId: string): string =>
  `coral-clients-secret-${agentId}-0123456789abcdef`;

/** Which Coral an agent was written for, and how it connects. */
export type Generation = 'coral-1.0' | 'coral-1.2';
export type Transport = 'sse' | 'streamable';

/** A first run installs the three virtualenvs (15–25 s each with a warm pip cache, about a minute cold). */
export const INSTALL_TIMEOUT_MS = 10 * 60_000;

export interface GameGateway {
  readonly baseUrl: string;
  readonly db: TestDb;
  python(name: PythonClientsName): string;
  /** The URL and headers an agent of `generation` uses to reach pool-0 over `transport`. */
  endpoint(
    generation: Generation,
    transport: Transport,
    agentId: string,
  ): { url: string; headers: Record<string, string> };
  /** The gauge of open agent MCP sessions for a transport, read from /metrics. */
  openSessions(transport: Transport): Promise<number>;
}

/**
 * A real gateway process (its own entry point, default limits, one pool) on a fresh database,
 * and the pinned Python client virtualenvs, started in `beforeAll` and stopped in `afterAll`.
 */
export function useGameGateway(env: Record<string, string> = {}): () => GameGateway {
  const gateways = new ProcessGroup();
  const pythons = new Map<PythonClientsName, string>();
  let db: TestDb | undefined;
  let baseUrl = '';

  beforeAll(async () => {
    // allSettled: a failure of one must not leave the other starting processes after afterAll.
    const settled = await Promise.allSettled([
      (async () => {
        // One after another: pip is CPU-bound, and on 2 cores three at once take longer.
        for (const name of PYTHON_CLIENTS) pythons.set(name, await ensurePythonClients(name));
      })(),
      (async () => {
        db = await openTestDb();
        const port = await freePort();
        baseUrl = `http://127.0.0.1:${port}`;
        await gateways.start({
          name: 'gateway',
          ...appSource('gateway'),
          env: {
            PORT: String(port),
            HOST: '127.0.0.1',
            POOL_COUNT: '1',
            REQUIRED_AGENTS: AGENTS.join(','),
            ...Object.fromEntries(AGENTS.map((id) => [agentSecretEnvName(id), agentSecretOf(id)])),
            TOKEN_SECRET: 'test-token-secret-0123456789-abcdefghij',
            OPS_TOKEN,
            TASK_ID: 'python-clients',
            DATABASE_URL: db.url,
            LOG_LEVEL: 'warn',
            ...env,
          },
          ready: answersHttp(`${baseUrl}/health`),
          readyTimeoutMs: 60_000,
        });
      })(),
    ]);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  }, INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    await stopCoralClients();
    await gateways.killAll();
    await db?.drop();
  });

  const gateway: GameGateway = {
    get baseUrl() {
      return baseUrl;
    },
    get db() {
      if (!db) throw new Error('the test database is not open yet (use it inside a test)');
      return db;
    },
    python(name) {
      const p = pythons.get(name);
      if (!p) throw new Error(`virtualenv ${name} is not installed`);
      return p;
    },
    endpoint(generation, transport, agentId): { url: string; headers: Record<string, string> } {
      if (generation === 'coral-1.2') {
        const segment = coralAgentPathSecret(agentSecretOf(agentId), 'pool-0');
        const kind = transport === 'sse' ? 'sse' : 'streamable-http';
        return { url: buildCoral12Url(baseUrl, segment, kind).href, headers: {} };
      }
      const path =
        transport === 'sse'
          ? 'sse/v1/devmode/app/priv/pool-0/sse'
          : 'mcp/v1/devmode/app/priv/pool-0/mcp';
      return {
        url: `${baseUrl}/${path}?agentId=${encodeURIComponent(agentId)}`,
        headers: { Authorization: `Bearer ${agentSecretOf(agentId)}` },
      };
    },
    async openSessions(transport) {
      const res = await fetch(`${baseUrl}/metrics`, {
        headers: { authorization: `Bearer ${OPS_TOKEN}` },
      });
      const name = `gateway_agent_mcp_sessions{transport="${transport === 'sse' ? 'sse' : 'streamable-http'}"}`;
      const line = (await res.text()).split('\n').find((l) => l.startsWith(name));
      return line ? Number(line.split(' ').at(-1)) : 0;
    },
  };
  return () => gateway;
}

/** Throws with the whole run when a step failed or the script did not finish. */
export function succeeded(run: CoralClientRun): CoralClientRun {
  const failed = run.records.filter((r) => r.ok === false);
  const done = run.records.at(-1);
  if (failed.length > 0 || run.exit !== 0 || done?.op !== 'done') {
    throw new Error(
      `coral_client.py (exit ${run.exit}) failed:\n${JSON.stringify(run.records, null, 1)}\n` +
        `${JSON.stringify(run.logs)}\n${run.stderr}`,
    );
  }
  return run;
}

/** The tool names and arguments of one Coral generation, for scripts that run on both. */
export function dialect(generation: Generation) {
  const v10 = generation === 'coral-1.0';
  return {
    wait: v10 ? 'coral_wait_for_mentions' : 'coral_wait_for_mention',
    waitArgs: (ms: number) => (v10 ? { timeoutMs: ms } : { maxWaitMs: ms }),
    createArgs: (name: string, participants: string[]) =>
      v10
        ? { threadName: name, participantIds: participants }
        : { threadName: name, participantNames: participants },
    /** `$ref` path from a wait's record to the delivered message's field. */
    waitedRef: (id: string, field: 'threadId' | 'content' | 'id') =>
      v10
        ? `${id}.json.messages.0.${field}`
        : `${id}.json.message.${field === 'content' ? 'text' : field}`,
    /** The delivered message's text in a wait's JSON result, or undefined on a timeout. */
    waitedText: (json: unknown): string | undefined => {
      const j = json as { messages?: Array<{ content: string }>; message?: { text: string } };
      return v10 ? j.messages?.[0]?.content : j.message?.text;
    },
    timedOut: (json: unknown): boolean => {
      const j = json as { result?: string; status?: string };
      return v10 ? j.result === 'error_timeout' : j.status === 'Timeout reached';
    },
  };
}
