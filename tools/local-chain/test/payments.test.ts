// End to end over real HTTP against a real SVM: a player's payment built by
// buildPaymentTransaction, signed with tweetnacl, sent through createRpcChain, found by its
// reference and accepted by checkPayment; every hostile variant refused with its own code.
import nacl from 'tweetnacl';
import bs58 from 'bs58';
import {
  type Chain,
  type PaymentExpectation,
  TransactionRejectedError,
  buildPaymentTransaction,
  checkPayment,
  createRpcChain,
  newReference,
  transactionMessageBytes,
  withSignature,
} from '@pardon/solana';
import { type LocalChain, makeTransfer, signTransaction, startLocalChain } from '../src';

const PRICE = 5_000_000n; // 5 PARDON

let local: LocalChain;
let chain: Chain;
const player = nacl.sign.keyPair();
const payer = bs58.encode(player.publicKey);
let notBefore: Date;

beforeAll(async () => {
  local = await startLocalChain();
  chain = createRpcChain({ url: local.url, commitment: 'confirmed' });
  await local.fund(payer, 100n);
  notBefore = new Date(Date.now() - 1000);
});

afterAll(async () => {
  await local.close();
});

const expectation = (reference: string): PaymentExpectation => ({
  payer,
  mint: local.mint,
  treasury: local.treasury,
  amount: PRICE,
  reference,
  notBefore,
});

async function observe(signature: string) {
  const tx = await chain.getTransaction(signature);
  if (!tx) throw new Error(`${signature} not found`);
  return tx;
}

describe('a payment on the local chain', () => {
  it('is built, signed in the browser way, sent, found by its reference and accepted', async () => {
    const reference = newReference();
    const { blockhash, lastValidBlockHeight } = await chain.latestBlockhash();
    const unsigned = buildPaymentTransaction({
      payer,
      mint: local.mint,
      decimals: local.decimals,
      treasury: local.treasury,
      amount: PRICE,
      reference,
      blockhash,
      lastValidBlockHeight,
    });
    const signature64 = nacl.sign.detached(transactionMessageBytes(unsigned), player.secretKey);
    const signature = await chain.sendTransaction(withSignature(unsigned, payer, signature64));
    expect(signature).toBe(bs58.encode(signature64));

    const found = await chain.signaturesFor(reference);
    expect(found).toEqual([
      { signature, failed: false, blockTime: expect.any(Number), slot: expect.any(Number) },
    ]);

    const tx = await observe(signature);
    const result = checkPayment(tx, expectation(reference));
    expect(result).toMatchObject({ ok: true, amount: PRICE });
    if (result.ok) expect(Math.abs(result.paidAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('lists signatures for an address newest first', async () => {
    const first = await makeTransfer({
      chain: local,
      payerSecret: player.secretKey,
      mint: local.mint,
      toOwner: local.treasury,
      amount: 1n,
      reference: newReference(),
    });
    const second = await makeTransfer({
      chain: local,
      payerSecret: player.secretKey,
      mint: local.mint,
      toOwner: local.treasury,
      amount: 1n,
      reference: newReference(),
    });
    const list = await chain.signaturesFor(payer, { limit: 2 });
    expect(list.map((s) => s.signature)).toEqual([second, first]);
    expect(list[0]?.slot ?? 0).toBeGreaterThan(list[1]?.slot ?? 0);
  });

  it('refuses a payment in another token (payment_wrong_mint)', async () => {
    const other = await local.createOtherMint();
    await local.fund(payer, 10n, 0n, other);
    const reference = newReference();
    const sig = await makeTransfer({
      chain: local,
      payerSecret: player.secretKey,
      mint: other,
      toOwner: local.treasury,
      amount: PRICE,
      reference,
    });
    expect(checkPayment(await observe(sig), expectation(reference))).toMatchObject({
      ok: false,
      code: 'payment_wrong_mint',
    });
  });

  it('refuses a payment to another wallet (payment_wrong_recipient)', async () => {
    const reference = newReference();
    const stranger = bs58.encode(nacl.sign.keyPair().publicKey);
    const sig = await makeTransfer({
      chain: local,
      payerSecret: player.secretKey,
      mint: local.mint,
      toOwner: stranger,
      amount: PRICE,
      reference,
    });
    expect(checkPayment(await observe(sig), expectation(reference))).toMatchObject({
      ok: false,
      code: 'payment_wrong_recipient',
    });
  });

  it('refuses too little (payment_short)', async () => {
    const reference = newReference();
    const sig = await makeTransfer({
      chain: local,
      payerSecret: player.secretKey,
      mint: local.mint,
      toOwner: local.treasury,
      amount: PRICE - 1n,
      reference,
    });
    expect(checkPayment(await observe(sig), expectation(reference))).toMatchObject({
      ok: false,
      code: 'payment_short',
    });
  });

  it('records a transfer that fails on chain, and refuses it (payment_failed)', async () => {
    const reference = newReference();
    const sig = await makeTransfer({
      chain: local,
      payerSecret: player.secretKey,
      mint: local.mint,
      toOwner: local.treasury,
      amount: PRICE,
      reference,
      fail: true,
    });
    const [info] = await chain.signaturesFor(reference);
    expect(info).toMatchObject({ signature: sig, failed: true });
    const tx = await observe(sig);
    expect(tx.succeeded).toBe(false);
    expect(checkPayment(tx, expectation(reference))).toMatchObject({
      ok: false,
      code: 'payment_failed',
    });
  });

  it('refuses a transfer without the reference (payment_missing_reference)', async () => {
    const sig = await makeTransfer({
      chain: local,
      payerSecret: player.secretKey,
      mint: local.mint,
      toOwner: local.treasury,
      amount: PRICE,
    });
    expect(checkPayment(await observe(sig), expectation(newReference()))).toMatchObject({
      ok: false,
      code: 'payment_missing_reference',
    });
  });

  it("refuses someone else's payment carrying the player's reference (payment_not_yours)", async () => {
    const other = nacl.sign.keyPair();
    await local.fund(bs58.encode(other.publicKey), 10n);
    const reference = newReference();
    const sig = await makeTransfer({
      chain: local,
      payerSecret: other.secretKey,
      mint: local.mint,
      toOwner: local.treasury,
      amount: PRICE,
      reference,
    });
    expect(checkPayment(await observe(sig), expectation(reference))).toMatchObject({
      ok: false,
      code: 'payment_not_yours',
    });
  });

  it('rejects a transaction signed by another key, and a doomed one under preflight', async () => {
    const { blockhash, lastValidBlockHeight } = await chain.latestBlockhash();
    const p = {
      payer,
      mint: local.mint,
      decimals: 6,
      treasury: local.treasury,
      amount: PRICE,
      blockhash,
      lastValidBlockHeight,
    };
    const unsigned = buildPaymentTransaction({ ...p, reference: newReference() });
    const forged = withSignature(
      unsigned,
      payer,
      nacl.sign.detached(transactionMessageBytes(unsigned), nacl.sign.keyPair().secretKey),
    );
    await expect(chain.sendTransaction(forged)).rejects.toMatchObject({
      name: 'TransactionRejectedError',
      rpcCode: -32003,
    });
    await expect(chain.sendTransaction(unsigned)).rejects.toBeInstanceOf(TransactionRejectedError);

    const tooMuch = buildPaymentTransaction({
      ...p,
      amount: 10_000n * PRICE,
      reference: newReference(),
    });
    await expect(
      chain.sendTransaction(signTransaction(tooMuch, player.secretKey)),
    ).rejects.toMatchObject({ rpcCode: -32002 });
  });

  it('rejects a transaction on an unknown blockhash', async () => {
    const unsigned = buildPaymentTransaction({
      payer,
      mint: local.mint,
      decimals: 6,
      treasury: local.treasury,
      amount: PRICE,
      reference: newReference(),
      blockhash: newReference(),
      lastValidBlockHeight: 1n,
    });
    const skipping = createRpcChain({
      url: local.url,
      commitment: 'confirmed',
      skipPreflight: true,
    });
    await expect(
      skipping.sendTransaction(signTransaction(unsigned, player.secretKey)),
    ).rejects.toMatchObject({ rpcCode: -32002 });
  });
});
