// Locks in the environment contract: defaults, parsing, and fail-fast messages naming each variable.
import { ConfigError, loadConfig } from '../src/lib/config';

const BASE = {
  AGENT_ID: 'trump-donald',
  CORAL_SSE_URL: 'http://127.0.0.1:5555/sse/v1/devmode/app/priv',
  AGENT_API_KEY: 'secret',
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
      CORAL_TRANSPORT: 'sse',
      AGENT_CONCURRENCY: 4,
      AGENT_LATENCY_MS: { kind: 'fixed', ms: 1500 },
      AGENT_BRAIN: 'scripted',
      MODEL_TIMEOUT_MS: 20_000,
      MODEL_MAX_RETRIES: 2,
    });
    expect(config.HEALTH_PORT).toBeUndefined();
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
        'AGENT_API_KEY',
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
});
