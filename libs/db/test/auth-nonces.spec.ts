// Locks in the bounds of the sign-in nonce table (issue 16, item 5): a wallet keeps at most
// `maxLivePerWallet` live nonces however fast (and however concurrently) it asks, the oldest being
// replaced; and the session-cleanup job purges expired nonces in batches and keeps live ones.
import { randomUUID } from 'node:crypto';
import { InvalidInputError, runSessionCleanup } from '../src';
import { randomWallet } from '../src/testing';
import { count, MINUTE_MS, useTestDb } from './support';

const fx = useTestDb();

function nonceRow(wallet: string, expiresAt = new Date(Date.now() + 5 * MINUTE_MS)) {
  const nonce = randomUUID();
  return { nonce, wallet, message: `sign in ${nonce}`, expiresAt };
}

const live = (wallet: string) =>
  count(fx().sql, 'auth_nonces', 'wallet = $1 AND used_at IS NULL AND expires_at > now()', [
    wallet,
  ]);

describe('authNonces.create with maxLivePerWallet', () => {
  test('a flood of 100 nonces, 10 at a time, keeps the 5 newest live', async () => {
    const wallet = randomWallet();
    const issued: string[] = [];
    for (let round = 0; round < 10; round++) {
      const rows = Array.from({ length: 10 }, () => nonceRow(wallet));
      await Promise.all(rows.map((r) => fx().db.authNonces.create(r, { maxLivePerWallet: 5 })));
      expect(await live(wallet)).toBeLessThanOrEqual(5);
      issued.push(...rows.map((r) => r.nonce));
    }
    expect(await live(wallet)).toBe(5);
    expect(await count(fx().sql, 'auth_nonces', 'wallet = $1', [wallet])).toBe(5);
    // Sequentially, the oldest goes first: the first of five new ones is gone after five more.
    const sequential: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = nonceRow(wallet);
      await fx().db.authNonces.create(r, { maxLivePerWallet: 5 });
      sequential.push(r.nonce);
    }
    const { rows } = await fx().sql.query<{ nonce: string }>(
      'SELECT nonce FROM auth_nonces WHERE wallet = $1',
      [wallet],
    );
    expect(rows.map((r) => r.nonce).sort()).toEqual(sequential.slice(5).sort());
    expect(await fx().db.authNonces.find(issued[0]!)).toBeNull();
    expect(await fx().db.authNonces.consume(sequential[0]!, wallet)).toBe(false);
    expect(await fx().db.authNonces.consume(sequential[9]!, wallet)).toBe(true);
  });

  test('the newest are kept even when the clock ties or goes back between two nonces', async () => {
    const wallet = randomWallet();
    const [a, b, c] = [nonceRow(wallet), nonceRow(wallet), nonceRow(wallet)];
    await fx().db.authNonces.create(a, { maxLivePerWallet: 2 });
    // A created "later" than the next one by the clock: what a tie within one millisecond, or a
    // clock stepped back, looks like to ORDER BY created_at.
    await fx().sql.query(
      `UPDATE auth_nonces SET created_at = now() + interval '10 seconds' WHERE nonce = $1`,
      [a.nonce],
    );
    await fx().db.authNonces.create(b, { maxLivePerWallet: 2 });
    await fx().db.authNonces.create(c, { maxLivePerWallet: 2 });
    const { rows } = await fx().sql.query<{ nonce: string }>(
      'SELECT nonce FROM auth_nonces WHERE wallet = $1',
      [wallet],
    );
    expect(rows.map((r) => r.nonce).sort()).toEqual([b.nonce, c.nonce].sort());
  });

  test("another wallet's nonces are untouched", async () => {
    const a = randomWallet();
    const b = randomWallet();
    for (let i = 0; i < 3; i++)
      await fx().db.authNonces.create(nonceRow(b), { maxLivePerWallet: 5 });
    for (let i = 0; i < 8; i++)
      await fx().db.authNonces.create(nonceRow(a), { maxLivePerWallet: 2 });
    expect(await live(a)).toBe(2);
    expect(await live(b)).toBe(3);
  });

  test('refuses a bad cap, writing nothing', async () => {
    const wallet = randomWallet();
    for (const bad of [0, -1, 1.5]) {
      await expect(
        fx().db.authNonces.create(nonceRow(wallet), { maxLivePerWallet: bad }),
      ).rejects.toThrow(InvalidInputError);
    }
    expect(await count(fx().sql, 'auth_nonces', 'wallet = $1', [wallet])).toBe(0);
  });
});

describe('session-cleanup purges expired nonces', () => {
  test('expired rows are deleted in batches, live ones kept', async () => {
    const wallet = randomWallet();
    const now = Date.now();
    const expired = Array.from({ length: 7 }, () => nonceRow(wallet, new Date(now - MINUTE_MS)));
    const kept = Array.from({ length: 3 }, () => nonceRow(wallet, new Date(now + 5 * MINUTE_MS)));
    for (const r of [...expired, ...kept]) await fx().db.authNonces.create(r);
    const before = await count(fx().sql, 'auth_nonces', 'expires_at < $1', [new Date(now)]);
    expect(before).toBeGreaterThanOrEqual(7);

    const r = await runSessionCleanup(fx().db, { now, batchSize: 2 });
    expect(r.purgedNonces).toBe(before);
    expect(await count(fx().sql, 'auth_nonces', 'expires_at < $1', [new Date(now)])).toBe(0);
    for (const k of kept) expect(await fx().db.authNonces.find(k.nonce)).not.toBeNull();
    // Idempotent: nothing left to purge.
    expect((await runSessionCleanup(fx().db, { now, batchSize: 2 })).purgedNonces).toBe(0);
  });
});

describe('authNonces.consumeForUser', () => {
  test('spends a nonce once and creates its wallet’s user with it; a replay changes nothing', async () => {
    const wallet = randomWallet();
    const r = nonceRow(wallet);
    await fx().db.authNonces.create(r, { maxLivePerWallet: 5 });
    expect(await count(fx().sql, 'users', 'wallet = $1', [wallet])).toBe(0);
    expect(await fx().db.authNonces.consumeForUser(r.nonce, wallet)).toBe(true);
    expect(await count(fx().sql, 'users', 'wallet = $1', [wallet])).toBe(1);
    expect(await fx().db.authNonces.consumeForUser(r.nonce, wallet)).toBe(false);
    // Another wallet's nonce, or an expired one, is not spent and creates no user.
    const other = randomWallet();
    expect(await fx().db.authNonces.consumeForUser(r.nonce, other)).toBe(false);
    const expired = nonceRow(other, new Date(Date.now() - 1000));
    await fx().db.authNonces.create(expired);
    expect(await fx().db.authNonces.consumeForUser(expired.nonce, other)).toBe(false);
    expect(await count(fx().sql, 'users', 'wallet = $1', [other])).toBe(0);
  });
});
