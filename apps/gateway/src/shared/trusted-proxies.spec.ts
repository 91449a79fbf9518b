// Locks in the TRUSTED_PROXIES grammar: CIDRs or bare addresses, empty means nobody is trusted,
// and a bad entry stops the gateway at start (named in the config error).
import { GAME_AGENT_IDS, agentSecretEnvName } from '@pardon/coral';
import { loadConfig } from '../config';
import { normaliseCidr, trustProxyOption } from './trusted-proxies';

const base = {
  ...Object.fromEntries(
    GAME_AGENT_IDS.map((id) => [agentSecretEnvName(id), `secret-of-${id}-${'0'.repeat(32)}`]),
  ),
  TOKEN_SECRET: 'x'.repeat(32),
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
};

describe('TRUSTED_PROXIES', () => {
  it('trusts nobody by default', () => {
    const config = loadConfig(base);
    expect(config.trustedProxies).toEqual([]);
    expect(trustProxyOption(config.trustedProxies)).toBe(false);
  });

  it('takes CIDRs and bare addresses', () => {
    const config = loadConfig({ ...base, TRUSTED_PROXIES: ' 10.0.0.0/16, 127.0.0.2 ,::1/128' });
    expect(config.trustedProxies).toEqual(['10.0.0.0/16', '127.0.0.2/32', '::1/128']);
    expect(trustProxyOption(config.trustedProxies)).toEqual(config.trustedProxies);
  });

  it.each(['10.0.0.0/33', 'loopback', '10.0.0/8', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x'])(
    'refuses %s at start',
    (entry) => {
      expect(normaliseCidr(entry)).toBeUndefined();
      expect(() => loadConfig({ ...base, TRUSTED_PROXIES: entry })).toThrow(/TRUSTED_PROXIES/);
    },
  );
});
