// Locks in that the gateway's configuration fails fast and names every bad variable at once,
// that defaults are the design's (5 pools, the six agents, port 5555), and that POOL_CAPACITY
// defaults to libs/pooling's admission model on the agents' concurrency and the LLM's latency.
import { agentSecretEnvName } from '@pardon/coral';
import { DEFAULT_ADMISSION_MODEL, maxThreadsPerPool } from '@pardon/pooling';
import { ConfigError, DEFAULT_REQUIRED_AGENTS, describePoolCapacity, loadConfig } from './config';

const secretsOf = (ids: readonly string[]): Record<string, string> =>
  Object.fromEntries(
    ids.map((id) => [agentSecretEnvName(id), `secret-of-${id}-${'0'.repeat(32)}`]),
  );

const minimal: Record<string, string> = {
  ...secretsOf(DEFAULT_REQUIRED_AGENTS),
  TOKEN_SECRET: 'x'.repeat(32),
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
};

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
};

describe('loadConfig', () => {
  it('applies the design defaults', () => {
    const c = loadConfig(minimal);
    expect(c).toMatchObject({
      port: 5555,
      poolCount: 5,
      poolCapacity: 300,
      requiredAgents: [...DEFAULT_REQUIRED_AGENTS],
      maxMessageChars: 2000,
      cronSecret: undefined,
    });
    expect(c.taskId).toMatch(/-\d+$/);
  });

  it('names every missing or bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', POOL_COUNT: '0', TOKEN_SECRET: 'short', CRON_SECRET: 'tiny' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    for (const name of ['PORT', 'POOL_COUNT', 'TOKEN_SECRET', 'CRON_SECRET', 'DATABASE_URL']) {
      expect(message).toContain(name);
    }
  });

  it('parses the agent roster and treats an empty CRON_SECRET as unset', () => {
    const c = loadConfig({
      ...minimal,
      ...secretsOf(['a-1', 'b-2', 'guest']),
      REQUIRED_AGENTS: ' a-1, b-2 ',
      EXTRA_AGENTS: 'guest',
      CRON_SECRET: '',
    });
    expect(c.requiredAgents).toEqual(['a-1', 'b-2']);
    expect(c.rosterAgents).toEqual(['a-1', 'b-2', 'guest']);
    expect([...c.agentSecrets.keys()]).toEqual(['a-1', 'b-2', 'guest']);
    expect(c.cronSecret).toBeUndefined();
  });

  it('needs every roster agent’s own secret, long enough and not shared', () => {
    const withoutCz = { ...minimal };
    delete withoutCz['AGENT_SECRET_CZ'];
    expect(problems(withoutCz)).toEqual([
      expect.stringMatching(/^AGENT_SECRET_CZ: the secret agent cz connects with is missing/),
    ]);
    expect(problems({ ...minimal, AGENT_SECRET_CZ: 'short' })).toEqual([
      expect.stringMatching(/^AGENT_SECRET_CZ: .* too short \(at least 32 characters/),
    ]);
    expect(
      problems({ ...minimal, AGENT_SECRET_CZ: minimal['AGENT_SECRET_TRUMP_DONALD'] as string }),
    ).toEqual(['AGENT_SECRET_*: every agent needs its own secret']);
    // A wallet address (base58, mixed case) can never be a roster id.
    expect(
      problems({ ...minimal, EXTRA_AGENTS: '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU' }),
    ).toEqual([expect.stringMatching(/^EXTRA_AGENTS\.0: agent ids are lower-case/)]);
    // The server's own messages (a verified payment) are sent as `system`: no agent is `system`.
    expect(
      problems({ ...minimal, EXTRA_AGENTS: 'system', AGENT_SECRET_SYSTEM: 'x'.repeat(32) }),
    ).toEqual(['EXTRA_AGENTS.0: system is reserved for the server']);
  });

  it('reads the payment settings and names every missing one', () => {
    expect(loadConfig(minimal).payments).toEqual({ enabled: false });
    expect(problems({ ...minimal, PAYMENT_CHAIN: 'rpc' })).toEqual([
      'SOLANA_RPC_URL: required with PAYMENT_CHAIN=rpc',
      'PAYMENT_MINT: required with PAYMENT_CHAIN=rpc',
      'PAYMENT_TREASURY: required with PAYMENT_CHAIN=rpc',
    ]);
    expect(
      problems({
        ...minimal,
        PAYMENT_CHAIN: 'rpc',
        SOLANA_RPC_URL: 'http://127.0.0.1:8899',
        PAYMENT_MINT: 'not-an-address',
        PAYMENT_TREASURY: '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU',
      }),
    ).toEqual(['PAYMENT_MINT: PAYMENT_MINT must be a base58 Solana address']);
  });
});

describe('POOL_CAPACITY', () => {
  it('defaults to the smaller of the admission model (2,504) and what one gateway core answers (300 at 5 pools)', () => {
    const c = loadConfig(minimal);
    expect(c.poolCapacity).toBe(300);
    expect(c.poolCapacityBasis).toEqual({
      limitedBy: 'gateway_cpu',
      model: {
        agentConcurrency: 64,
        agentsPerPool: 6,
        llmLatency: { kind: 'fixed', medianMs: 1500 },
        messageIntervalMs: 10_000,
        p95TargetMs: 3000,
      },
      modelThreadsPerPool: maxThreadsPerPool(DEFAULT_ADMISSION_MODEL),
      cpuThreadsPerPool: 300,
      p95ReplyMsAtCapacity: 1500,
    });
    expect(c.poolCapacityBasis.modelThreadsPerPool).toBe(2504);
    expect(describePoolCapacity(c.poolCapacity, c.poolCapacityBasis)).toBe(
      "pool capacity 300 threads (limited by the gateway's CPU; the model gives 2504 for AGENT_CONCURRENCY=64 × 6 agents, LLM_LATENCY_MS=fixed:1500, PLAYER_MESSAGE_INTERVAL_MS=10000, REPLY_P95_TARGET_MS=3000, P95 1500 ms at 300; the gateway's CPU 300)",
    );
  });

  it('shares the gateway core over its pools and follows GATEWAY_CPU_*', () => {
    const capacity = (env: Record<string, string>) =>
      loadConfig({ ...minimal, ...env }).poolCapacity;
    expect(capacity({ POOL_COUNT: '10' })).toBe(150);
    expect(capacity({ GATEWAY_CPU_MS_PER_REPLY: '2.5' })).toBe(720);
    expect(capacity({ GATEWAY_CPU_MAX_PERCENT: '45' })).toBe(150);
    expect(capacity({ PLAYER_MESSAGE_INTERVAL_MS: '20000' })).toBe(600);
  });

  it('follows the model where it is the tighter bound: concurrency, LLM latency in the agents’ grammar, target, roster size', () => {
    const cheap = { GATEWAY_CPU_MS_PER_REPLY: '0.01' };
    const basis = (env: Record<string, string>) =>
      loadConfig({ ...minimal, ...cheap, ...env }).poolCapacityBasis;
    const capacity = (env: Record<string, string>) =>
      loadConfig({ ...minimal, ...cheap, ...env }).poolCapacity;
    expect(capacity({})).toBe(2504);
    expect(basis({}).limitedBy).toBe('model');
    expect(capacity({ AGENT_CONCURRENCY: '4' })).toBe(115);
    expect(capacity({ LLM_LATENCY_MS: 'lognormal:1500:0.4' })).toBe(2007);
    expect(capacity({ LLM_LATENCY_MS: '1500' })).toBe(2504);
    expect(capacity({ REPLY_P95_TARGET_MS: '1600' })).toBeLessThan(2504);
    expect(loadConfig({ ...minimal, AGENT_CONCURRENCY: '1' }).poolCapacityBasis).toMatchObject({
      limitedBy: 'model',
      modelThreadsPerPool: 9,
    });
    expect(
      basis({ ...secretsOf(['a-1', 'b-2']), REQUIRED_AGENTS: 'a-1,b-2' }).model.agentsPerPool,
    ).toBe(2);
  });

  it('takes an explicit POOL_CAPACITY over both bounds, and still shows them', () => {
    const c = loadConfig({ ...minimal, POOL_CAPACITY: '30' });
    expect(c.poolCapacity).toBe(30);
    expect(c.poolCapacityBasis).toMatchObject({
      limitedBy: 'POOL_CAPACITY',
      modelThreadsPerPool: 2504,
      cpuThreadsPerPool: 300,
      p95ReplyMsAtCapacity: 1500,
    });
    expect(describePoolCapacity(c.poolCapacity, c.poolCapacityBasis)).toMatch(
      /^pool capacity 30 threads \(POOL_CAPACITY; the model gives 2504 for AGENT_CONCURRENCY=64 .*P95 1500 ms at 30; the gateway's CPU 300\)$/,
    );
    // Even when the model would admit nobody.
    expect(
      loadConfig({ ...minimal, POOL_CAPACITY: '30', LLM_LATENCY_MS: 'exponential:1500' })
        .poolCapacity,
    ).toBe(30);
    const beyond = loadConfig({ ...minimal, POOL_CAPACITY: '9999' });
    expect(describePoolCapacity(beyond.poolCapacity, beyond.poolCapacityBasis)).toMatch(
      /P95 unbounded at 9999/,
    );
  });

  it('refuses to start when no thread fits and no POOL_CAPACITY is set', () => {
    expect(problems({ ...minimal, LLM_LATENCY_MS: 'exponential:1500' })).toEqual([
      expect.stringMatching(
        /^POOL_CAPACITY: unset, and the admission model allows no thread: LLM_LATENCY_MS=exponential:1500 alone misses REPLY_P95_TARGET_MS=3000/,
      ),
    ]);
    expect(problems({ ...minimal, GATEWAY_CPU_MS_PER_REPLY: '100000' })).toEqual([
      expect.stringMatching(/^POOL_CAPACITY: unset, and GATEWAY_CPU_MS_PER_REPLY=100000 leaves/),
    ]);
  });

  it('names a bad latency or model input', () => {
    expect(problems({ ...minimal, LLM_LATENCY_MS: 'gamma:1:2' })).toEqual([
      expect.stringMatching(/^LLM_LATENCY_MS: invalid latency "gamma:1:2": unknown distribution/),
    ]);
    expect(
      problems({
        ...minimal,
        AGENT_CONCURRENCY: '0',
        POOL_CAPACITY: '0',
        GATEWAY_CPU_MAX_PERCENT: '0',
      }),
    ).toEqual([
      expect.stringMatching(/^POOL_CAPACITY: /),
      expect.stringMatching(/^AGENT_CONCURRENCY: /),
      expect.stringMatching(/^GATEWAY_CPU_MAX_PERCENT: /),
    ]);
  });
});
