// Locks in that the gateway's configuration fails fast and names every bad variable at once,
// and that defaults are the design's (5 pools × 30 threads, the six agents, port 5555).
import { ConfigError, DEFAULT_REQUIRED_AGENTS, loadConfig } from './config';

const minimal = {
  AGENT_API_KEY: 'agent-key-123',
  TOKEN_SECRET: 'x'.repeat(32),
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
};

describe('loadConfig', () => {
  it('applies the design defaults', () => {
    const c = loadConfig(minimal);
    expect(c).toMatchObject({
      port: 5555,
      poolCount: 5,
      poolCapacity: 30,
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
    for (const name of [
      'PORT',
      'POOL_COUNT',
      'AGENT_API_KEY',
      'TOKEN_SECRET',
      'CRON_SECRET',
      'DATABASE_URL',
    ]) {
      expect(message).toContain(name);
    }
  });

  it('parses the agent roster and treats an empty CRON_SECRET as unset', () => {
    const c = loadConfig({ ...minimal, REQUIRED_AGENTS: ' a-1, b-2 ', CRON_SECRET: '' });
    expect(c.requiredAgents).toEqual(['a-1', 'b-2']);
    expect(c.cronSecret).toBeUndefined();
  });
});
