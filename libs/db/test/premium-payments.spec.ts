// Locks in premium payments on real PostgreSQL: an intent is created only for the wallet's own
// open thread with its agent; a transfer settles its intent once however it arrives (repeated,
// or five at once from two pools), with one payment row, one bonus, one system message and the
// week's score moved once; a signature cannot pay a second intent, another wallet cannot pay,
// a transfer after the expiry is recorded as late without points; usage counts verified
// purchases and the messages since; the expiry job, the daily volume and the ops listings.
import { DEFAULT_GAME_RULES, weekOf, type GameRules } from '@pardon/game';
import pg from 'pg';
import {
  createDb,
  decodeGameEvent,
  GAME_CHANNEL,
  InvalidInputError,
  MESSAGES_CHANNEL,
  NotFoundError,
  PaymentRefusedError,
  ThreadClosedError,
  type Db,
  type SettleInput,
} from '../src';
import { randomWallet } from '../src/testing';
import { count, MINUTE_MS, useTestDb } from './support';

const fx = useTestDb();
const rules: GameRules = DEFAULT_GAME_RULES;
const TOKENS = 1_000_000n; // 6 decimals
const TREASURY = randomWallet();

async function playerThread(agentId = 'cz', db: Db = fx().db) {
  const wallet = randomWallet();
  const { session } = await db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 'task-1' });
  const thread = await db.threads.create({ sessionId: session.id, agentId });
  return { wallet, threadId: thread.id, agentId };
}

type Player = Awaited<ReturnType<typeof playerThread>>;

async function say(p: Player, content = 'hello') {
  const { message } = await fx().db.messages.append({
    threadId: p.threadId,
    senderId: p.wallet,
    content,
    mentions: [p.agentId],
  });
  return message;
}

function intentFor(p: Player, extra: Partial<Parameters<Db['payments']['createIntent']>[0]> = {}) {
  return fx().db.payments.createIntent({
    wallet: p.wallet,
    agentId: p.agentId,
    threadId: p.threadId,
    service: 'connection_intro',
    amount: 4_000n * TOKENS,
    mint: extra.mint ?? MINT,
    recipient: TREASURY,
    decimals: 6,
    reference: randomWallet(),
    ttlMs: 15 * MINUTE_MS,
    at: Date.now(),
    catalogueVersion: 1,
    ...extra,
  });
}
const MINT = randomWallet();

function settleInput(
  intent: { id: string; wallet: string; amount: bigint },
  extra: Partial<SettleInput> = {},
): SettleInput {
  return {
    intentId: intent.id,
    signature: `sig-${randomWallet()}`,
    payer: intent.wallet,
    amount: intent.amount,
    slot: 123,
    blockTime: new Date(),
    at: Date.now(),
    bonusPoints: () => 4.67,
    rules,
    ...extra,
  };
}

async function weekRow(wallet: string) {
  const { rows } = await fx().sql.query<{ score: string; premium: number }>(
    `SELECT score::text AS score, premium_services AS premium FROM player_weeks
     WHERE wallet = $1 AND week_id = $2`,
    [wallet, weekOf(Date.now(), rules).id],
  );
  return rows[0] ? { score: Number(rows[0].score), premium: rows[0].premium } : undefined;
}

describe('payment intents', () => {
  test('are created for the wallet’s own open thread, with every field', async () => {
    const p = await playerThread();
    const at = Date.now();
    const reference = randomWallet();
    const intent = await intentFor(p, { at, reference });
    expect(intent).toEqual({
      id: expect.any(String),
      reference,
      wallet: p.wallet,
      agentId: 'cz',
      threadId: p.threadId,
      service: 'connection_intro',
      amount: 4_000_000_000n,
      mint: MINT,
      recipient: TREASURY,
      decimals: 6,
      weekId: weekOf(at, rules).id,
      status: 'pending',
      catalogueVersion: 1,
      createdAt: new Date(at),
      expiresAt: new Date(at + 15 * MINUTE_MS),
      settledAt: null,
      paymentId: null,
    });
    expect(await fx().db.payments.intent(intent.id)).toEqual(intent);
    expect(await fx().db.payments.intentByReference(reference)).toEqual(intent);
    expect(await fx().db.payments.intent('not-a-uuid')).toBeNull();
    expect(await fx().db.payments.openIntents({ wallet: p.wallet })).toEqual([intent]);
  });

  test('are refused for another wallet’s thread, another agent, a closed thread, a used reference', async () => {
    const p = await playerThread();
    const other = await playerThread();
    await expect(intentFor({ ...p, threadId: other.threadId })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(intentFor({ ...p, agentId: 'trump-eric' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(intentFor({ ...p, threadId: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
    const reference = randomWallet();
    await intentFor(p, { reference });
    await expect(intentFor(p, { reference })).rejects.toMatchObject({ field: 'reference' });
    await expect(intentFor(p, { amount: 0n })).rejects.toMatchObject({ field: 'amount' });
    await expect(intentFor(p, { decimals: 10 })).rejects.toMatchObject({ field: 'decimals' });
    await fx().sql.query(`UPDATE threads SET closed_at = now() WHERE id = $1`, [p.threadId]);
    await expect(intentFor(p)).rejects.toBeInstanceOf(ThreadClosedError);
  });
});

describe('settling an intent', () => {
  test('verifies the payment, moves the week once and appends one system message', async () => {
    const p = await playerThread();
    await say(p);
    const intent = await intentFor(p);
    const seen: number[] = [];
    const input = settleInput(intent, {
      bonusPoints: (before) => {
        seen.push(before);
        return 4.67;
      },
    });
    const result = await fx().db.payments.settle(input);
    expect(result).toMatchObject({
      intentId: intent.id,
      signature: input.signature,
      status: 'verified',
      wallet: p.wallet,
      agentId: 'cz',
      threadId: p.threadId,
      service: 'connection_intro',
      amount: 4_000_000_000n,
      bonusPoints: 4.67,
      pointsAwarded: 4.67,
      newScore: 4.67,
      pardonGranted: false,
      finalScore: null,
      messageSeq: 2,
      created: true,
    });
    expect(seen).toEqual([0]);
    expect(await weekRow(p.wallet)).toEqual({ score: 4.67, premium: 1 });

    const messages = await fx().db.messages.listAfter(p.threadId);
    const system = messages.find((m) => m.senderId === 'system');
    expect(system?.id).toBe(result.messageId);
    expect(system?.mentions).toEqual(['cz']);
    const [line, json] = (system?.content ?? '').split('\n');
    expect(line).toBe('Payment verified: 4,000 PARDON for connection_intro.');
    expect(JSON.parse(json ?? '{}')).toMatchObject({
      type: 'payment_verified',
      intentId: intent.id,
      service: 'connection_intro',
      amount: '4000000000',
      signature: input.signature,
      wallet: p.wallet,
    });

    const stored = await fx().db.payments.intent(intent.id);
    expect(stored).toMatchObject({ status: 'paid', paymentId: result.paymentId });
    const payment = await fx().db.payments.paymentBySignature(input.signature);
    expect(payment).toMatchObject({
      id: result.paymentId,
      intentId: intent.id,
      verified: true,
      status: 'verified',
      currency: 'PARDON',
      mint: MINT,
      amountBase: 4_000_000_000n,
      slot: 123n,
      bonusPoints: 4.67,
      messageId: result.messageId,
    });
    expect(payment?.amount.toFixed()).toBe('4000');

    // The same transfer again: the stored result, nothing moved.
    const again = await fx().db.payments.settle({ ...input, bonusPoints: () => 10 });
    expect(again).toEqual({ ...result, created: false });
    expect(await weekRow(p.wallet)).toEqual({ score: 4.67, premium: 1 });
    expect(await count(fx().sql, 'messages', 'thread_id = $1', [p.threadId])).toBe(2);
  });

  test('five concurrent settlements from two pools: one payment, one bonus, one message', async () => {
    const other = createDb({ writeUrl: fx().database.url, writePoolSize: 4 });
    try {
      const p = await playerThread();
      await say(p);
      const intent = await intentFor(p);
      const input = settleInput(intent);
      const results = await Promise.all(
        [fx().db, other, fx().db, other, fx().db].map((db) => db.payments.settle(input)),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const first = results.find((r) => r.created);
      for (const r of results) expect(r).toEqual({ ...first, created: r.created });
      expect(await count(fx().sql, 'payments', 'intent_id = $1', [intent.id])).toBe(1);
      expect(
        await count(fx().sql, 'messages', "thread_id = $1 AND sender_id = 'system'", [p.threadId]),
      ).toBe(1);
      expect(await weekRow(p.wallet)).toEqual({ score: 4.67, premium: 1 });
    } finally {
      await other.close();
    }
  });

  test('refuses a signature that already paid another intent', async () => {
    const p = await playerThread();
    const a = await intentFor(p);
    const b = await intentFor(p);
    const input = settleInput(a);
    await fx().db.payments.settle(input);
    const replay = fx().db.payments.settle({ ...input, intentId: b.id });
    await expect(replay).rejects.toBeInstanceOf(PaymentRefusedError);
    await expect(replay).rejects.toMatchObject({ code: 'payment_replayed' });
    await expect(replay).rejects.toBeInstanceOf(InvalidInputError);
    expect((await fx().db.payments.intent(b.id))?.status).toBe('pending');
  });

  test('refuses the same signature racing for two intents: one settles, the other is refused', async () => {
    const p = await playerThread();
    const a = await intentFor(p);
    const b = await intentFor(p);
    const input = settleInput(a);
    const outcomes = await Promise.allSettled([
      fx().db.payments.settle(input),
      fx().db.payments.settle({ ...input, intentId: b.id }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: 'payment_replayed' });
    expect(await count(fx().sql, 'payments', 'signature = $1', [input.signature])).toBe(1);
  });

  test('refuses another wallet’s transfer, a second transfer and a wrong amount', async () => {
    const p = await playerThread();
    const intent = await intentFor(p);
    await expect(
      fx().db.payments.settle(settleInput(intent, { payer: randomWallet() })),
    ).rejects.toMatchObject({ code: 'payment_not_yours' });
    await expect(
      fx().db.payments.settle(settleInput(intent, { amount: intent.amount - 1n })),
    ).rejects.toMatchObject({ code: 'payment_short' });
    await fx().db.payments.settle(settleInput(intent));
    await expect(fx().db.payments.settle(settleInput(intent))).rejects.toMatchObject({
      code: 'intent_already_paid',
    });
    await expect(
      fx().db.payments.settle(
        settleInput({ ...intent, id: '00000000-0000-4000-8000-000000000000' }),
      ),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  test('records a transfer made after the expiry as late: no points, no message', async () => {
    const p = await playerThread();
    await say(p);
    const at = Date.now();
    const intent = await intentFor(p, { at, ttlMs: MINUTE_MS });
    const input = settleInput(intent, {
      blockTime: new Date(at + 2 * MINUTE_MS),
      at: at + 3 * MINUTE_MS,
    });
    const result = await fx().db.payments.settle(input);
    expect(result).toMatchObject({
      status: 'late',
      bonusPoints: 0,
      pointsAwarded: 0,
      newScore: 0,
      messageId: null,
      created: true,
    });
    expect(await fx().db.payments.intent(intent.id)).toMatchObject({
      status: 'late',
      paymentId: result.paymentId,
    });
    expect(await fx().db.payments.paymentBySignature(input.signature)).toMatchObject({
      status: 'late',
      verified: false,
    });
    expect(await count(fx().sql, 'messages', 'thread_id = $1', [p.threadId])).toBe(1);
    expect((await weekRow(p.wallet))?.score ?? 0).toBe(0);
    expect(await fx().db.payments.settle(input)).toEqual({ ...result, created: false });
    // Without a chain time, the settlement's instant decides.
    const other = await intentFor(p, { at, ttlMs: MINUTE_MS });
    const noChainTime = await fx().db.payments.settle(
      settleInput(other, { blockTime: null, at: at + 2 * MINUTE_MS }),
    );
    expect(noChainTime.status).toBe('late');
  });

  test('counts usage: verified purchases of the service this week and the messages since', async () => {
    const p = await playerThread();
    const weekId = weekOf(Date.now(), rules).id;
    const usage = () =>
      fx().db.payments.usage({ wallet: p.wallet, weekId, service: 'connection_intro' });
    expect(await usage()).toEqual({ purchasesThisWeek: 0, messagesSinceLastPurchase: null });
    const seen: number[] = [];
    const bonus = (before: number) => {
      seen.push(before);
      return 1;
    };
    await fx().db.payments.settle(settleInput(await intentFor(p), { bonusPoints: bonus }));
    expect(await usage()).toEqual({ purchasesThisWeek: 1, messagesSinceLastPurchase: 0 });
    await say(p);
    await say(p);
    expect(await usage()).toEqual({ purchasesThisWeek: 1, messagesSinceLastPurchase: 2 });
    await fx().db.payments.settle(settleInput(await intentFor(p), { bonusPoints: bonus }));
    expect(await usage()).toEqual({ purchasesThisWeek: 2, messagesSinceLastPurchase: 0 });
    expect(seen).toEqual([0, 1]);
    // Another service and a late payment do not count.
    expect(
      await fx().db.payments.usage({ wallet: p.wallet, weekId, service: 'insider_info' }),
    ).toEqual({ purchasesThisWeek: 0, messagesSinceLastPurchase: null });
    const at = Date.now();
    const lateIntent = await intentFor(p, { at, ttlMs: 1 });
    await fx().db.payments.settle(settleInput(lateIntent, { blockTime: new Date(at + 10) }));
    expect((await usage()).purchasesThisWeek).toBe(2);
    expect((await weekRow(p.wallet))?.premium).toBe(2);
  });

  test('a bonus can reach the threshold and grant the pardon', async () => {
    const p = await playerThread();
    await say(p);
    await fx().sql.query(`INSERT INTO player_weeks (wallet, week_id, score) VALUES ($1, $2, 89)`, [
      p.wallet,
      weekOf(Date.now(), rules).id,
    ]);
    const at = Date.now();
    const input = settleInput(await intentFor(p), { bonusPoints: () => 10, at });
    const result = await fx().db.payments.settle(input);
    expect(result).toMatchObject({ pardonGranted: true, newScore: 99, pardonGrantedAt: at });
    expect(result.finalScore).toBeGreaterThanOrEqual(90);
    const week = await fx().db.game.playerWeek(p.wallet, weekOf(at, rules));
    expect(week).toMatchObject({ finalScore: result.finalScore, score: 99 });
    expect((await weekRow(p.wallet))?.premium).toBe(1);
    // Stored: a retry reports the same pardon.
    expect(await fx().db.payments.settle(input)).toEqual({ ...result, created: false });
  });

  test('stores what an overpaying transfer moved, and reads a settlement back by payment id', async () => {
    const p = await playerThread();
    const intent = await intentFor(p);
    const result = await fx().db.payments.settle(
      settleInput(intent, { amount: intent.amount + 1n }),
    );
    expect(result.amount).toBe(intent.amount + 1n);
    expect(await fx().db.payments.settlement(result.paymentId)).toEqual({
      ...result,
      created: false,
    });
    expect(await fx().db.payments.settlement('00000000-0000-4000-8000-000000000000')).toBeNull();
    const [record] = await fx().db.payments.listPayments({ limit: 1 });
    expect(record).toMatchObject({
      id: result.paymentId,
      wallet: p.wallet,
      agentId: 'cz',
      service: 'connection_intro',
      amount: intent.amount + 1n,
      mint: MINT,
      status: 'verified',
    });
  });

  test('announces the score on GAME_CHANNEL and the message on MESSAGES_CHANNEL', async () => {
    const listener = new pg.Client({ connectionString: fx().database.url });
    await listener.connect();
    try {
      const heard: Array<{ channel: string; payload: string }> = [];
      listener.on('notification', (n) =>
        heard.push({ channel: n.channel, payload: n.payload ?? '' }),
      );
      await listener.query(`LISTEN ${GAME_CHANNEL}`);
      await listener.query(`LISTEN ${MESSAGES_CHANNEL}`);
      const p = await playerThread();
      const result = await fx().db.payments.settle(
        settleInput(await intentFor(p), { announceAs: 'task-9' }),
      );
      await new Promise((r) => setTimeout(r, 200));
      const game = heard
        .filter((h) => h.channel === GAME_CHANNEL)
        .map((h) => decodeGameEvent(h.payload));
      expect(game).toEqual([
        expect.objectContaining({
          kind: 'payment',
          threadId: p.threadId,
          messageId: result.messageId,
          points: 4.67,
          score: 4.67,
          service: 'connection_intro',
          paymentId: result.paymentId,
          origin: 'task-9',
        }),
      ]);
      const appended = heard
        .filter((h) => h.channel === MESSAGES_CHANNEL)
        .map((h) => JSON.parse(h.payload));
      expect(appended).toEqual([{ t: p.threadId, s: result.messageSeq, k: 'task-9' }]);
    } finally {
      await listener.end();
    }
  });
});

describe('the system message and unanswered player messages', () => {
  test('a settlement’s system message does not count as the agent’s answer', async () => {
    const p = await playerThread('cz');
    const intent = await intentFor(p);
    const waiting = await say(p, 'still waiting for your answer');
    await fx().db.payments.settle(settleInput(intent));
    const unanswered = await fx().db.messages.findUnanswered({ pool: 'pool-0' });
    expect(unanswered.filter((m) => m.threadId === p.threadId).map((m) => m.id)).toEqual([
      waiting.id,
    ]);
  });
});

describe('the payment jobs and the ops page', () => {
  test('expireIntents closes pending intents past their expiry; an on-time transfer still settles them', async () => {
    const p = await playerThread();
    const at = Date.now() - 10 * MINUTE_MS;
    const old = await intentFor(p, { at, ttlMs: MINUTE_MS });
    const fresh = await intentFor(p);
    const pending = await fx().db.payments.pendingIntents({ limit: 1000 });
    expect(pending.map((i) => i.id)).toEqual(expect.arrayContaining([old.id, fresh.id]));
    expect((await fx().db.payments.openIntents({ wallet: p.wallet })).map((i) => i.id)).toEqual([
      fresh.id,
    ]);
    const expired = await fx().db.payments.expireIntents({ now: new Date(), limit: 1000 });
    expect(expired.map((i) => i.id)).toContain(old.id);
    expect(expired.every((i) => i.status === 'expired')).toBe(true);
    expect(expired.map((i) => i.id)).not.toContain(fresh.id);
    expect(await fx().db.payments.expireIntents({ now: new Date(), limit: 1000 })).toEqual([]);
    expect(
      (
        await fx().db.payments.reconcilableIntents({
          now: new Date(),
          lateWindowMs: 60 * MINUTE_MS,
          limit: 1000,
        })
      ).map((i) => i.id),
    ).toEqual(expect.arrayContaining([old.id, fresh.id]));
    // Paid (on chain) before the expiry, verified after the job closed it: it counts.
    const result = await fx().db.payments.settle(
      settleInput(old, { blockTime: new Date(at + 30_000) }),
    );
    expect(result.status).toBe('verified');
    expect((await fx().db.payments.intent(old.id))?.status).toBe('paid');
  });

  test('volumeByDay sums verified payments per UTC day and mint, in base units', async () => {
    const mint = randomWallet();
    const p = await playerThread();
    const a = await fx().db.payments.settle(settleInput(await intentFor(p, { mint })));
    await fx().db.payments.settle(
      settleInput(await intentFor(p, { mint, service: 'gift', amount: 1_234_567_891n })),
    );
    const at = Date.now();
    const late = await intentFor(p, { mint, at, ttlMs: 1 });
    await fx().db.payments.settle(settleInput(late, { blockTime: new Date(at + 10) }));
    await fx().sql.query(
      `UPDATE payments SET created_at = created_at - interval '1 day' WHERE id = $1`,
      [a.paymentId],
    );
    const now = new Date();
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const rows = (await fx().db.payments.volumeByDay({ days: 7, now })).filter(
      (r) => r.mint === mint,
    );
    expect(rows).toEqual([
      { day: day(new Date(now.getTime() - 86_400_000)), mint, total: 4_000_000_000n, count: 1 },
      { day: day(now), mint, total: 1_234_567_891n, count: 1 },
    ]);
    expect(
      (await fx().db.payments.volumeByDay({ days: 1, now })).filter((r) => r.mint === mint),
    ).toHaveLength(1);
    // The metrics' volume sees the same payments in tokens, per currency and mint.
    const volume = await fx().db.payments.volume({
      from: new Date(now.getTime() - 3 * 86_400_000),
      to: new Date(now.getTime() + 1000),
    });
    const ofMint = volume.find((v) => v.mint === mint);
    expect(ofMint).toMatchObject({ currency: 'PARDON', count: 2 });
    expect(ofMint?.total.toFixed()).toBe('5234.567891');
  });

  test('listPayments and listIntents filter by status and window, newest first', async () => {
    const p = await playerThread();
    const ok = await fx().db.payments.settle(settleInput(await intentFor(p)));
    const at = Date.now();
    const lateIntent = await intentFor(p, { at, ttlMs: 1 });
    const late = await fx().db.payments.settle(
      settleInput(lateIntent, { blockTime: new Date(at + 10) }),
    );
    const lates = await fx().db.payments.listPayments({ status: 'late', limit: 1000 });
    expect(lates.map((x) => x.id)).toContain(late.paymentId);
    expect(lates.map((x) => x.id)).not.toContain(ok.paymentId);
    const all = await fx().db.payments.listPayments({
      from: new Date(Date.now() - MINUTE_MS),
      to: new Date(Date.now() + MINUTE_MS),
      limit: 1000,
    });
    expect(all.map((x) => x.id)).toEqual(expect.arrayContaining([ok.paymentId, late.paymentId]));
    const times = all.map((x) => x.createdAt.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(
      await fx().db.payments.listPayments({
        to: new Date(Date.now() - 86_400_000 * 365),
        limit: 10,
      }),
    ).toEqual([]);
    const paid = await fx().db.payments.listIntents({ status: 'paid', limit: 1000 });
    expect(paid.map((i) => i.id)).toContain(ok.intentId);
    expect(paid.map((i) => i.id)).not.toContain(lateIntent.id);
    const page = await fx().db.payments.listIntents({ limit: 1, before: new Date(at + 1) });
    expect(page).toHaveLength(1);
    await expect(fx().db.payments.listPayments({ limit: 0 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect((await fx().db.payments.intentsOf({ wallet: p.wallet })).length).toBe(2);
  });
});
