// payment-reconcile and verifyAndSettle against a real SVM (the local chain's JSON-RPC) and a
// real PostgreSQL: transfers found by their reference settle once, a bad transfer carrying the
// reference pays nothing, a late one is recorded for a refund, a used signature is a replay.
import { createDb, type Db, type PaymentIntent } from '@pardon/db';
import { DEFAULT_GAME_RULES } from '@pardon/game';
import { makeTransfer, startLocalChain, type LocalChain } from '@pardon/local-chain';
import { createRpcChain, newReference } from '@pardon/solana';
import { openTestDb, type TestDb } from '@pardon/test-env';
import nacl from 'tweetnacl';
import bs58 from 'bs58';
import {
  PaymentError,
  parsePaymentEnv,
  runPaymentReconcile,
  verifyAndSettle,
  type PaymentSettings,
} from '../src/index';

let chain: LocalChain;
let testDb: TestDb;
let db: Db;
let settings: PaymentSettings;

beforeAll(async () => {
  chain = await startLocalChain();
  testDb = await openTestDb();
  db = createDb({ writeUrl: testDb.url });
  const parsed = parsePaymentEnv(
    {
      PAYMENT_CHAIN: 'rpc',
      SOLANA_RPC_URL: chain.url,
      PAYMENT_MINT: chain.mint,
      PAYMENT_TREASURY: chain.treasury,
      PAYMENT_CLUSTER: 'local',
    },
    6,
  );
  if (!parsed.config.enabled) throw new Error(parsed.problems.join('; '));
  settings = parsed.config;
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
  await chain?.close();
});

const deps = (now: () => number = Date.now) => ({
  payments: db.payments,
  chain: createRpcChain({ url: chain.url, commitment: 'confirmed' }),
  settings,
  rules: DEFAULT_GAME_RULES,
  now,
});

interface Player {
  wallet: string;
  secret: Uint8Array;
  threadId: string;
}

async function player(): Promise<Player> {
  const kp = nacl.sign.keyPair();
  const wallet = bs58.encode(kp.publicKey);
  const { session } = await db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 't-1' });
  const thread = await db.threads.create({ sessionId: session.id, agentId: 'cz' });
  await chain.fund(wallet, 50_000n);
  return { wallet, secret: kp.secretKey, threadId: thread.id };
}

function intentFor(p: Player, at = Date.now(), ttlMs = 600_000): Promise<PaymentIntent> {
  return db.payments.createIntent({
    wallet: p.wallet,
    agentId: 'cz',
    threadId: p.threadId,
    service: 'insider_info',
    amount: 1_000_000_000n,
    mint: chain.mint,
    recipient: chain.treasury,
    decimals: 6,
    reference: newReference(),
    ttlMs,
    at,
    catalogueVersion: 1,
  });
}

const pay = (p: Player, intent: PaymentIntent, amount = intent.amount) =>
  makeTransfer({
    chain,
    payerSecret: p.secret,
    mint: chain.mint,
    toOwner: chain.treasury,
    amount,
    reference: intent.reference,
  });

test('a short transfer carrying the reference pays nothing; the right one settles, once', async () => {
  const p = await player();
  const intent = await intentFor(p);
  await pay(p, intent, intent.amount - 1n);
  const first = await runPaymentReconcile(deps(), { limit: 100 });
  expect(first).toMatchObject({ settled: 0, refused: 1, failed: 0 });
  expect((await db.payments.intent(intent.id))?.status).toBe('pending');

  await pay(p, intent);
  const second = await runPaymentReconcile(deps(), { limit: 100 });
  expect(second).toMatchObject({ settled: 1, late: 0, failed: 0 });
  const third = await runPaymentReconcile(deps(), { limit: 100 });
  expect(third.settled).toBe(0);
  const stored = await db.payments.intent(intent.id);
  expect(stored?.status).toBe('paid');
  const listed = await db.payments.listPayments({ limit: 10 });
  expect(listed.filter((x) => x.intentId === intent.id)).toHaveLength(1);
});

test('a transfer after the intent expired is recorded as late: no points, no message', async () => {
  const p = await player();
  const intent = await intentFor(p, Date.now() - 20 * 60_000, 10 * 60_000);
  const signature = await pay(p, intent);
  const run = await runPaymentReconcile(deps(), { limit: 100 });
  expect(run).toMatchObject({ settled: 1, late: 1 });
  const payment = await db.payments.paymentBySignature(signature);
  expect(payment).toMatchObject({ status: 'late', verified: false, messageId: null });
  expect((await db.payments.intent(intent.id))?.status).toBe('late');
});

test('a signature that paid one intent is refused for another before the chain is asked', async () => {
  const p = await player();
  const a = await intentFor(p);
  const b = await intentFor(p);
  const signature = await pay(p, a);
  const settled = await verifyAndSettle(deps(), a, signature);
  expect(settled).toMatchObject({ status: 'verified', created: true });
  const asked: string[] = [];
  const spy = {
    ...deps(),
    chain: {
      getTransaction: (sig: string) => {
        asked.push(sig);
        return createRpcChain({ url: chain.url, commitment: 'confirmed' }).getTransaction(sig);
      },
    },
  };
  const replay = await verifyAndSettle(spy, b, signature).catch((e: unknown) => e);
  expect(replay).toBeInstanceOf(PaymentError);
  expect((replay as PaymentError).code).toBe('payment_replayed');
  expect(asked).toEqual([]);
});

test('an unpaid intent is closed at expiry, not before', async () => {
  const p = await player();
  const intent = await intentFor(p);
  await runPaymentReconcile(deps(), { limit: 100 });
  expect((await db.payments.intent(intent.id))?.status).toBe('pending');
  const after = intent.expiresAt.getTime() + 1;
  const run = await runPaymentReconcile(
    deps(() => after),
    { limit: 100 },
  );
  expect(run.expired).toBeGreaterThanOrEqual(1);
  expect((await db.payments.intent(intent.id))?.status).toBe('expired');
});
