// Locks in that the gateway's configuration fails fast and names every bad variable at once,
// and that defaults are the design's (5 pools × 30 threads, the six agents, port 5555).
import { agentSecretEnvName } from '@pardon/coral';
import { ConfigError, DEFAULT_REQUIRED_AGENTS, loadConfig } from './config';

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
