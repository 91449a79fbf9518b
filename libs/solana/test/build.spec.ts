// Locks in the payment transaction a wallet signs: its two instructions, the reference as a
// read-only non-signer account of the TransferChecked, zeroed signature slot, and the wire helpers.
import {
  AccountRole,
  type Address,
  decompileTransactionMessage,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  getBase64Encoder,
} from '@solana/kit';
import {
  ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
  TOKEN_PROGRAM_ADDRESS,
  findAssociatedTokenPda,
  parseCreateAssociatedTokenIdempotentInstruction,
  parseTransferCheckedInstruction,
} from '@solana-program/token';
import nacl from 'tweetnacl';
import bs58 from 'bs58';
import {
  associatedTokenAddress,
  associatedTokenAddressSync,
  buildPaymentTransaction,
  isAddress,
  newReference,
  transactionMessageBytes,
  transactionSignature,
  transactionSigners,
  withSignature,
} from '../src';
import * as wire from '../src/wire';

const payerKeys = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(1));
const PAYER = bs58.encode(payerKeys.publicKey);
const TREASURY = 'EdmxWPmx2WH6WgFfTdu9xfkYf3k1g5wD1zccTVySEEh1';
const MINT = 'AKkzLhjhyFtM9j7WAhbaqYpFe49cXeJBg2kzLRC2PnNa';
const REFERENCE = '8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe';
const BLOCKHASH = '7v54NWdBtkjuAFJrLGsS2SXnuk8nKam81mZJeeYxVFi9';

const params = {
  payer: PAYER,
  mint: MINT,
  decimals: 6,
  treasury: TREASURY,
  amount: 5_000_000n,
  reference: REFERENCE,
  blockhash: BLOCKHASH,
  lastValidBlockHeight: 1234n,
};

function decode(wireBase64: string) {
  const tx = getTransactionDecoder().decode(getBase64Encoder().encode(wireBase64));
  const compiled = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
  return { tx, compiled, message: decompileTransactionMessage(compiled) };
}

describe('buildPaymentTransaction', () => {
  it('builds a v0 transaction paid by the payer with createIdempotent + TransferChecked', async () => {
    const { tx, compiled, message } = decode(buildPaymentTransaction(params));
    expect(compiled.version).toBe(0);
    expect(message.feePayer.address).toBe(PAYER);
    expect(compiled.lifetimeToken).toBe(BLOCKHASH);
    expect(tx.signatures).toEqual({ [PAYER]: null });

    const [createAta, transfer] = message.instructions;
    expect(createAta?.programAddress).toBe(ASSOCIATED_TOKEN_PROGRAM_ADDRESS);
    expect(transfer?.programAddress).toBe(TOKEN_PROGRAM_ADDRESS);
    const [treasuryAta] = await findAssociatedTokenPda({
      owner: TREASURY as Address,
      mint: MINT as Address,
      tokenProgram: TOKEN_PROGRAM_ADDRESS,
    });
    const [payerAta] = await findAssociatedTokenPda({
      owner: PAYER as Address,
      mint: MINT as Address,
      tokenProgram: TOKEN_PROGRAM_ADDRESS,
    });
    const ata = parseCreateAssociatedTokenIdempotentInstruction(createAta as never);
    expect(ata.accounts.ata.address).toBe(treasuryAta);
    expect(ata.accounts.owner.address).toBe(TREASURY);
    expect(ata.accounts.payer.address).toBe(PAYER);

    const parsed = parseTransferCheckedInstruction(transfer as never);
    expect(parsed.data).toMatchObject({ amount: 5_000_000n, decimals: 6 });
    expect(parsed.accounts.source.address).toBe(payerAta);
    expect(parsed.accounts.destination.address).toBe(treasuryAta);
    expect(parsed.accounts.authority.address).toBe(PAYER);
    expect(transfer?.accounts?.at(-1)).toEqual({ address: REFERENCE, role: AccountRole.READONLY });
  });

  it('builds a legacy transaction on request', () => {
    expect(decode(buildPaymentTransaction({ ...params, version: 'legacy' })).compiled.version).toBe(
      'legacy',
    );
  });

  it.each([
    ['a payer that is not an address', { payer: 'nope' }],
    ['a zero amount', { amount: 0n }],
    ['an amount above u64', { amount: 2n ** 64n }],
    ['a reference equal to the treasury', { reference: TREASURY }],
    ['fractional decimals', { decimals: 1.5 }],
  ])('refuses %s', (_name, over) => {
    expect(() => buildPaymentTransaction({ ...params, ...over })).toThrow(TypeError);
  });
});

describe('signing through the wire helpers', () => {
  it('puts an ed25519 signature of the message bytes into the payer slot', () => {
    const unsigned = buildPaymentTransaction(params);
    expect(transactionSigners(unsigned)).toEqual([PAYER]);
    expect(transactionSignature(unsigned)).toBeNull();
    const signature = nacl.sign.detached(transactionMessageBytes(unsigned), payerKeys.secretKey);
    const signed = withSignature(unsigned, PAYER, signature);
    expect(transactionSignature(signed)).toBe(bs58.encode(signature));
    expect(transactionMessageBytes(signed)).toEqual(transactionMessageBytes(unsigned));
    expect(
      nacl.sign.detached.verify(transactionMessageBytes(signed), signature, payerKeys.publicKey),
    ).toBe(true);
  });

  it('refuses a signature for an address that is not a signer, or of the wrong length', () => {
    const unsigned = buildPaymentTransaction(params);
    expect(() => withSignature(unsigned, TREASURY, new Uint8Array(64))).toThrow(/not a signer/);
    expect(() => withSignature(unsigned, PAYER, new Uint8Array(63))).toThrow(/64 bytes/);
    expect(() => transactionMessageBytes('@@@')).toThrow(TypeError);
  });

  it('offers the same helpers from the browser entry @pardon/solana/wire', () => {
    expect(wire.transactionMessageBytes).toBe(transactionMessageBytes);
    expect(wire.withSignature).toBe(withSignature);
    expect(wire.isAddress(PAYER)).toBe(true);
  });
});

describe('addresses', () => {
  it('derives associated token accounts like the token program client does', async () => {
    for (let i = 0; i < 20; i++) {
      const owner = newReference();
      const [expected] = await findAssociatedTokenPda({
        owner: owner as Address,
        mint: MINT as Address,
        tokenProgram: TOKEN_PROGRAM_ADDRESS,
      });
      expect(associatedTokenAddressSync(owner, MINT)).toBe(expected);
      await expect(associatedTokenAddress(owner, MINT)).resolves.toBe(expected);
    }
  });

  it('makes fresh 32-byte references', () => {
    const a = newReference();
    expect(isAddress(a)).toBe(true);
    expect(bs58.decode(a)).toHaveLength(32);
    expect(newReference()).not.toBe(a);
  });

  it('tells addresses from other text', () => {
    expect(isAddress(TREASURY)).toBe(true);
    expect(isAddress('0OIl')).toBe(false);
    expect(isAddress('')).toBe(false);
  });
});
