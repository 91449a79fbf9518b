// Local secrets live beside the data they protect: generated once per data directory, kept across
// restarts (player tokens stay valid), and a secret added later is filled in without touching the rest;
// a file from before per-agent secrets (one shared agent key) gets one secret per agent.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GAME_AGENT_IDS, MIN_AGENT_SECRET_CHARS } from '@pardon/coral';
import { gatewayAgentSecretsEnv, loadOrCreateSecrets } from '../src/lib/secrets';

const saved = (): unknown => JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pardon-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('secrets are generated once per data directory, private to the user, and kept', () => {
  const first = loadOrCreateSecrets(dir);
  expect(first.tokenSecret.length).toBeGreaterThanOrEqual(32);
  expect(Object.keys(first.agentSecrets).sort()).toEqual([...GAME_AGENT_IDS].sort());
  for (const secret of Object.values(first.agentSecrets)) {
    expect(secret).toMatch(/^[0-9a-f]{48}$/);
  }
  expect(new Set(Object.values(first.agentSecrets)).size).toBe(GAME_AGENT_IDS.length);
  expect(statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
  expect(loadOrCreateSecrets(dir)).toEqual(first);
  const other = mkdtempSync(path.join(os.tmpdir(), 'pardon-secrets-'));
  try {
    expect(loadOrCreateSecrets(other).tokenSecret).not.toBe(first.tokenSecret);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test('a secret missing from an older file is added and the others are kept', () => {
  const agentSecrets = Object.fromEntries(GAME_AGENT_IDS.map((id, i) => [id, `${i}`.repeat(40)]));
  const old = { agentSecrets, tokenSecret: 't'.repeat(40), cronSecret: 'c'.repeat(20) };
  writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify(old));
  const secrets = loadOrCreateSecrets(dir);
  expect(secrets).toMatchObject(old);
  expect(secrets.opsToken.length).toBeGreaterThanOrEqual(16);
  expect(saved()).toEqual(secrets);
});

test('a file with the old shared agent key gets per-agent secrets and loses the old key', () => {
  const old = {
    agentApiKey: 'a'.repeat(48),
    tokenSecret: 't'.repeat(40),
    cronSecret: 'c'.repeat(20),
    opsToken: 'o'.repeat(20),
  };
  writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify(old));
  const secrets = loadOrCreateSecrets(dir);
  const { agentApiKey, ...kept } = old;
  expect(secrets).toMatchObject(kept);
  expect(secrets).not.toHaveProperty('agentApiKey');
  expect(Object.keys(secrets.agentSecrets).sort()).toEqual([...GAME_AGENT_IDS].sort());
  for (const secret of Object.values(secrets.agentSecrets)) {
    expect(secret).toMatch(/^[0-9a-f]{48}$/);
    expect(secret).not.toBe(agentApiKey);
  }
  expect(saved()).toEqual(secrets);
  expect(loadOrCreateSecrets(dir)).toEqual(secrets);
});

test('an agent new to the roster gets its own secret and the others keep theirs', () => {
  const [, ...others] = GAME_AGENT_IDS;
  const agentSecrets = Object.fromEntries(others.map((id) => [id, 'k'.repeat(40)]));
  const old = {
    agentSecrets,
    tokenSecret: 't'.repeat(40),
    cronSecret: 'c'.repeat(20),
    opsToken: 'o'.repeat(20),
  };
  writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify(old));
  const secrets = loadOrCreateSecrets(dir);
  expect(secrets).toMatchObject(old);
  expect(secrets.agentSecrets[GAME_AGENT_IDS[0]].length).toBeGreaterThanOrEqual(
    MIN_AGENT_SECRET_CHARS,
  );
  expect(saved()).toEqual(secrets);
});

test('the gateway gets every agent secret by its env name', () => {
  const secrets = loadOrCreateSecrets(dir);
  const env = gatewayAgentSecretsEnv(secrets);
  expect(Object.keys(env)).toHaveLength(GAME_AGENT_IDS.length);
  expect(env['AGENT_SECRET_TRUMP_DONALD']).toBe(secrets.agentSecrets['trump-donald']);
  expect(env['AGENT_SECRET_CZ']).toBe(secrets.agentSecrets.cz);
});

test('a broken secrets file is an error that says how to recover', () => {
  writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify({ tokenSecret: 'short' }));
  expect(() => loadOrCreateSecrets(dir)).toThrow(/delete it to get new secrets/);
  writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify({ agentSecrets: { cz: 'short' } }));
  expect(() => loadOrCreateSecrets(dir)).toThrow(/delete it to get new secrets/);
});
