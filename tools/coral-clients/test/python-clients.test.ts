// Locks in that real third-party agent clients reach the gateway's Coral endpoint: the Python `mcp`
// SDK (1.30.0 and 2.3.0) and `langchain-mcp-adapters` (0.1.14 as production pins it, and 0.3.2),
// each from its pinned virtualenv (tools/test-env/python), run as tools/test-env/python/
// coral_client.py against the gateway's real entry point. A smoke test of what works today; the
// breakages issue 15 lists (connection-per-call, over-limit bodies, keepalives, agent listing
// shape) are reproduced with the same driver in tools/test-env/README.md, not asserted here.
import {
  ensurePythonClients,
  freePort,
  HAS_LANGCHAIN,
  openTestDb,
  PYTHON_CLIENTS,
  runCoralClient,
  stopCoralClients,
  type CoralClientRun,
  type PythonClientsName,
  type TestDb,
} from '@pardon/test-env';
import { answersHttp, appSource, ProcessGroup } from '@pardon/topology';

const AGENT_KEY = 'test-agent-key-0123456789';
const AUTH = { Authorization: `Bearer ${AGENT_KEY}` };
const CORAL_TOOLS = [
  'coral_add_participant',
  'coral_close_thread',
  'coral_create_thread',
  'coral_list_agents',
  'coral_remove_participant',
  'coral_send_message',
  'coral_wait_for_mentions',
];
/** A first run installs the three virtualenvs (15–25 s each with a warm pip cache, about a minute cold). */
const INSTALL_TIMEOUT_MS = 10 * 60_000;

describe('third-party Python MCP clients against a gateway process', () => {
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
            POOL_CAPACITY: '30',
            REQUIRED_AGENTS: 'agent-a,agent-b',
            AGENT_API_KEY: AGENT_KEY,
            TOKEN_SECRET: 'test-token-secret-0123456789-abcdefghij',
            TASK_ID: 'python-clients',
            DATABASE_URL: db.url,
            LOG_LEVEL: 'warn',
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

  const sseUrl = (agentId: string) =>
    `${baseUrl}/sse/v1/devmode/app/priv/pool-0/sse?agentId=${encodeURIComponent(agentId)}`;
  const streamableUrl = (agentId: string) =>
    `${baseUrl}/mcp/v1/devmode/app/priv/pool-0/mcp?agentId=${encodeURIComponent(agentId)}`;
  const ok = (run: CoralClientRun) => {
    const failed = run.records.filter((r) => r.ok === false);
    const done = run.records.at(-1);
    if (failed.length > 0 || run.exit !== 0 || done?.op !== 'done') {
      throw new Error(
        `coral_client.py (exit ${run.exit}) failed:\n${JSON.stringify(run.records, null, 1)}\n` +
          `${JSON.stringify(run.logs)}\n${run.stderr}`,
      );
    }
    return run;
  };

  describe.each(PYTHON_CLIENTS)('%s', (name) => {
    const python = () => {
      const p = pythons.get(name);
      if (!p) throw new Error(`virtualenv ${name} is not installed`);
      return p;
    };
    /** One script over the devmode SSE URL with the agents' bearer key. */
    const overSse = async (steps: Parameters<typeof runCoralClient>[0]['steps']) =>
      ok(await runCoralClient({ python: python(), url: sseUrl('agent-a'), headers: AUTH, steps }));

    it('lists the seven Coral tools and the agents over devmode SSE with a bearer key', async () => {
      const run = await overSse([
        { op: 'info' },
        { op: 'connect' },
        { op: 'list_tools' },
        { op: 'call', tool: 'coral_list_agents', args: { includeDetails: true } },
      ]);
      const versions = run.step(0)['versions'] as Record<string, string>;
      expect(versions['mcp']).toBe(name === 'mcp2' ? '2.3.0' : '1.30.0');
      expect(run.step(2)['tools']).toEqual(CORAL_TOOLS);
      const listed = run.step(3);
      expect(listed['isError']).toBe(false);
      const json = listed['json'] as { result: string; agents: Array<{ id: string }> };
      expect(json.result).toBe('agent_list_success_with_details');
      expect(json.agents.map((a) => a.id)).toContain('agent-a');
    });

    it('lists the tools over Streamable HTTP and ends the session on close', async () => {
      const run = ok(
        await runCoralClient({
          python: python(),
          url: streamableUrl('agent-b'),
          transport: 'streamable',
          headers: AUTH,
          steps: [{ op: 'connect' }, { op: 'list_tools' }, { op: 'close' }],
        }),
      );
      expect(run.step(1)['tools']).toEqual(CORAL_TOOLS);
      // The SDK closes with DELETE (content-type: application/json, no body) and warns unless
      // the server answers 200/204.
      expect(run.logs.filter((l) => /termination failed/i.test(String(l.log)))).toEqual([]);
    });

    // mcp2 has no langchain-mcp-adapters: none imports with mcp 2.x.
    if (HAS_LANGCHAIN[name]) {
      it('calls a tool through langchain-mcp-adapters MultiServerMCPClient (a connection per call)', async () => {
        const run = await overSse([
          { op: 'info' },
          { op: 'lc_tools' },
          { op: 'lc_call', tool: 'coral_list_agents', args: { includeDetails: false } },
        ]);
        const versions = run.step(0)['versions'] as Record<string, string>;
        expect(versions['langchain-mcp-adapters']).toBe(name === 'mcp1-lca01' ? '0.1.14' : '0.3.2');
        expect(run.step(1)['tools']).toEqual(CORAL_TOOLS);
        const called = run.step(2);
        // 0.1.x hands the model the tool's text; 0.3.x its content blocks.
        expect(typeof called['result']).toBe(name === 'mcp1-lca01' ? 'string' : 'object');
        const json = called['json'] as { result: string; agents: string[] };
        expect(json.result).toBe('agent_list_success');
        expect(json.agents).toContain('agent-a');
      });
    }
  });
});
