// Locks in payment-reconcile as the cron-worker runs it, with a real worker process against a real
// SVM (the local chain's JSON-RPC) and PostgreSQL: `--once payment-reconcile` settles a transfer
// the player never reported, once (a second run settles nothing), records the run in cron_runs,
// and with payments off says so instead of failing.
import { createDb, type PaymentIntent } from '@pardon/db';
import { makeTransfer, startLocalChain, type LocalChain } from '@pardon/local-chain';
import { newReference } from '@pardon/solana';
import { useTestDb } from '@pardon/test-env';
import { eventually } from '@pardon/topology';
import bs58 from 'bs58';
import nacl from 'tweetnacl';
import { runOnce, stderrText, stopAllWorkers } from './support/worker';

const getDb = useTestDb((url) => createDb({ writeUrl: url, writePoolSize: 3 }));
let chain: LocalChain;
beforeAll(async () => {
  chain = await startLocalChain();
});
afterAll(async () => {
  await chain?.close();
});
afterEach(stopAllWorkers);

const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: getDb().database.url,
  METRICS_SINK: 'off',
  ...extra,
});
const paymentsOn = () => ({
  PAYMENT_CHAIN: 'rpc',
  SOLANA_RPC_URL: chain.url,
  PAYMENT_CLUSTER: 'local',
  PAYMENT_MINT: chain.mint,
  PAYMENT_TREASURY: chain.treasury,
});

async function paidIntent(): Promise<{ intent: PaymentIntent; signature: string }> {
  const { db } = getDb();
  const kp = nacl.sign.keyPair();
  const wallet = bs58.encode(kp.publicKey);
  const { session } = await db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 't-1' });
  const thread = await db.threads.create({ sessionId: session.id, agentId: 'cz' });
  const intent = await db.payments.createIntent({
    wallet,
    agentId: 'cz',
    threadId: thread.id,
    service: 'strategy_advice',
    amount: 2_500_000_000n,
    mint: chain.mint,
    recipient: chain.treasury,
    decimals: 6,
    reference: newReference(),
    ttlMs: 600_000,
    at: Date.now(),
    catalogueVersion: 1,
  });
  await chain.fund(wallet, 10_000n);
  const signature = await makeTransfer({
    chain,
    payerSecret: kp.secretKey,
    mint: chain.mint,
    toOwner: chain.treasury,
    amount: intent.amount,
    reference: intent.reference,
  });
  return { intent, signature };
}

describe('payment-reconcile', () => {
  it('--once settles a transfer nobody reported, once, and records the run', async () => {
    const { intent, signature } = await paidIntent();
    const first = await runOnce('payment-reconcile', env(paymentsOn()));
    expect({ code: first.code, stderr: first.code === 0 ? '' : stderrText(first.proc) }).toEqual({
      code: 0,
      stderr: '',
    });
    expect(first.result).toMatchObject({ job: 'payment-reconcile', settled: 1, failed: 0 });
    const payment = await getDb().db.payments.paymentBySignature(signature);
    expect(payment).toMatchObject({ intentId: intent.id, status: 'verified', verified: true });

    const second = await runOnce('payment-reconcile', env(paymentsOn()));
    expect(second.result).toMatchObject({ settled: 0 });
    const run = await eventually(
      'a cron_runs row for payment-reconcile',
      async () => (await getDb().db.cronRuns.list()).find((r) => r.job === 'payment-reconcile'),
      10_000,
    );
    expect(run).toMatchObject({ ok: true, summary: expect.objectContaining({ settled: 0 }) });
  });

  it('with payments off it says so and succeeds', async () => {
    const off = await runOnce('payment-reconcile', env());
    expect(off.code).toBe(0);
    expect(off.result).toEqual({
      job: 'payment-reconcile',
      skipped: 'premium payments are off (PAYMENT_CHAIN=off)',
    });
  });

  it('refuses to start with payments on but a setting missing, naming it', async () => {
    const bad = await runOnce('payment-reconcile', env({ PAYMENT_CHAIN: 'rpc' }));
    expect(bad.code).not.toBe(0);
    expect(stderrText(bad.proc)).toContain('PAYMENT_MINT: required with PAYMENT_CHAIN=rpc');
  });
});
