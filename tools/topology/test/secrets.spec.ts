// Local secrets live beside the data they protect: generated once per data directory, kept across
// restarts (player tokens stay valid), and a secret added later is filled in without touching the rest.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateSecrets } from '../src/lib/secrets';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pardon-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('secrets are generated once per data directory, private to the user, and kept', () => {
  const first = loadOrCreateSecrets(dir);
  expect(first.tokenSecret.length).toBeGreaterThanOrEqual(32);
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
  const old = {
    agentApiKey: 'a'.repeat(20),
    tokenSecret: 't'.repeat(40),
    cronSecret: 'c'.repeat(20),
  };
  writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify(old));
  const secrets = loadOrCreateSecrets(dir);
  expect(secrets).toMatchObject(old);
  expect(secrets.opsToken.length).toBeGreaterThanOrEqual(16);
  expect(JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'))).toEqual(secrets);
});

test('a broken secrets file is an error that says how to recover', () => {
  writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify({ tokenSecret: 'short' }));
  expect(() => loadOrCreateSecrets(dir)).toThrow(/delete it to get new secrets/);
});
