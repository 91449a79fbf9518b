// Locks in the environment contract: defaults, parsing, and fail-fast messages naming each variable.
import { DEFAULT_ADMISSION_MODEL } from '@pardon/pooling';
import { ConfigError, DEFAULT_AGENT_CONCURRENCY, loadConfig } from '../src/lib/config';

const BASE = {
  AGENT_ID: 'trump-donald',
  CORAL_SSE_URL: 'http://127.0.0.1:5555/sse/v1/devmode/app/priv',
  AGENT_SECRET: 'trump-donald-secret-0123456789abcdef',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(BASE);
    expect(config).toMatchObject({
      AGENT_ID: 'trump-donald',
      CORAL_SESSIONS: ['pool-0', 'pool-1', 'pool-2', 'pool-3', 'pool-4'],
      CORAL_DIALECT: 'coral-1.2',
      CORAL_TRANSPORT: 'sse',
      AGENT_CONCURRENCY: 64,
      AGENT_LATENCY_MS: { kind: 'fixed', ms: 1500 },
      AGENT_BRAIN: 'scripted',
      MODEL_TIMEOUT_MS: 20_000,
      MODEL_MAX_RETRIES: 2,
    });
    expect(config.HEALTH_PORT).toBeUndefined();
  });

  it('answers 64 threads at once per pool by default, the figure the gateway sizes POOL_CAPACITY by', () => {
    expect(DEFAULT_AGENT_CONCURRENCY).toBe(64);
    expect(loadConfig(BASE).AGENT_CONCURRENCY).toBe(DEFAULT_ADMISSION_MODEL.agentConcurrency);
  });

  it('parses lists, numbers and latency distributions', () => {
    const config = loadConfig({
      ...BASE,
      CORAL_SESSIONS: ' pool-a , pool-b ',
      AGENT_CONCURRENCY: '12',
      AGENT_LATENCY_MS: 'lognormal:1500:0.4',
      HEALTH_PORT: '0',
    });
    expect(config.CORAL_SESSIONS).toEqual(['pool-a', 'pool-b']);
    expect(config.AGENT_CONCURRENCY).toBe(12);
    expect(config.AGENT_LATENCY_MS).toEqual({ kind: 'lognormal', medianMs: 1500, sigma: 0.4 });
    expect(config.HEALTH_PORT).toBe(0);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ ...BASE, HEALTH_PORT: '', MODEL_API_KEY: '' }).HEALTH_PORT).toBeUndefined();
  });

  it('names every missing or bad variable at once', () => {
    const found = problems({
      AGENT_ID: 'trump-ivanka',
      CORAL_SSE_URL: 'not a url',
      AGENT_CONCURRENCY: 'many',
      AGENT_LATENCY_MS: 'gamma:1:2',
      CORAL_SESSIONS: 'pool-0,pool-0',
    });
    const named = found.map((p) => p.split(':')[0]);
    expect(named).toEqual(
      expect.arrayContaining([
        'AGENT_ID',
        'CORAL_SSE_URL',
        'AGENT_SECRET',
        'AGENT_CONCURRENCY',
        'AGENT_LATENCY_MS',
        'CORAL_SESSIONS',
      ]),
    );
  });

  it('requires a model name for the openai brain', () => {
    expect(problems({ ...BASE, AGENT_BRAIN: 'openai' })).toEqual([
      'MODEL_NAME: required when AGENT_BRAIN=openai',
    ]);
    expect(
      loadConfig({ ...BASE, AGENT_BRAIN: 'openai', MODEL_NAME: 'gpt-4o-mini' }).MODEL_NAME,
    ).toBe('gpt-4o-mini');
  });

  it('requires the agent’s own secret, of at least 32 characters, and never shows it', () => {
    const { AGENT_SECRET: _omitted, ...noSecret } = BASE;
    const missing = problems({ ...noSecret, AGENT_API_KEY: 'the-old-shared-key' });
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/^AGENT_SECRET: required/);
    expect(missing[0]).toContain('AGENT_SECRET_<AGENT_ID>');
    expect(missing[0]).toContain('AGENT_API_KEY is gone');
    const short = problems({ ...BASE, AGENT_SECRET: 'short-secret-123' });
    expect(short).toEqual([
      expect.stringMatching(/^AGENT_SECRET: too short \(16 characters\).*32/),
    ]);
    expect(short[0]).not.toContain('short-secret-123');
    expect(loadConfig({ ...BASE, AGENT_SECRET: 'x'.repeat(32) }).AGENT_SECRET).toBe('x'.repeat(32));
  });

  it('speaks Coral 1.2 unless told coral-1.0, and refuses other dialects', () => {
    expect(loadConfig({ ...BASE, CORAL_DIALECT: 'coral-1.0' }).CORAL_DIALECT).toBe('coral-1.0');
    expect(loadConfig({ ...BASE, CORAL_DIALECT: 'coral-1.2' }).CORAL_DIALECT).toBe('coral-1.2');
    expect(problems({ ...BASE, CORAL_DIALECT: 'coral-2' })[0]).toMatch(/^CORAL_DIALECT: /);
  });

  it('keeps CORAL_SSE_URL as it is for both dialects and checks its path at start', () => {
    for (const CORAL_DIALECT of ['coral-1.0', 'coral-1.2']) {
      expect(
        loadConfig({
          ...BASE,
          CORAL_DIALECT,
          CORAL_SSE_URL: 'http://coral:5555/sse/v1/devmode/exampleApplication/privkey/session1/sse',
        }).CORAL_SSE_URL,
      ).toBe('http://coral:5555/sse/v1/devmode/exampleApplication/privkey/session1/sse');
    }
    expect(problems({ ...BASE, CORAL_SSE_URL: 'http://h:1/api/v1' })).toEqual([
      expect.stringMatching(/^CORAL_SSE_URL: .*\/sse\/v1\/devmode/),
    ]);
  });
});
