// Building the payment transaction a player's wallet signs (Solana Pay "transaction request"
// style). Pure: the blockhash is passed in; nothing is sent.
import {
  AccountRole,
  type Blockhash,
  appendTransactionMessageInstructions,
  compileTransaction,
  createNoopSigner,
  createTransactionMessage,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from '@solana/kit';
import {
  getCreateAssociatedTokenIdempotentInstruction,
  getTransferCheckedInstruction,
} from '@solana-program/token';
import { asAddress, associatedTokenAddressSync } from './address';
import { encodeWireTransaction } from './wire';

export interface PaymentTransactionParams {
  /** the player's wallet: fee payer and owner of the paying token account */
  payer: string;
  mint: string;
  decimals: number;
  /** owner wallet of the receiving token account */
  treasury: string;
  /** base units */
  amount: bigint;
  /** Solana Pay reference: appended as a read-only non-signer account of the TransferChecked */
  reference: string;
  blockhash: string;
  lastValidBlockHeight: bigint;
  /** the transaction version; 0 unless a wallet only takes legacy transactions */
  version?: 0 | 'legacy';
}

/** The largest amount an SPL token account can hold (u64). */
export const MAX_TOKEN_AMOUNT = 2n ** 64n - 1n;

/**
 * An unsigned transaction (base64 wire format, signature slot zeroed) paying `amount` of `mint`
 * from the payer's associated token account to the treasury's. It holds two instructions:
 * createAssociatedTokenAccountIdempotent for the treasury's account (the payer pays the rent if
 * it does not exist yet) and TransferChecked with `reference` as an extra read-only account, so
 * the payment is found by getSignaturesForAddress(reference) even if the browser never posts the
 * signature. Sign it with `transactionMessageBytes` + `withSignature`. Throws a TypeError on an
 * invalid address or amount.
 */
export function buildPaymentTransaction(p: PaymentTransactionParams): string {
  const payer = asAddress(p.payer, 'payer');
  const mint = asAddress(p.mint, 'mint');
  const treasury = asAddress(p.treasury, 'treasury');
  const reference = asAddress(p.reference, 'reference');
  if (typeof p.amount !== 'bigint' || p.amount <= 0n || p.amount > MAX_TOKEN_AMOUNT) {
    throw new TypeError('amount must be a positive u64 bigint (base units)');
  }
  if (!Number.isInteger(p.decimals) || p.decimals < 0 || p.decimals > 255) {
    throw new TypeError('decimals must be an integer 0..255');
  }
  if (reference === payer || reference === treasury || reference === mint) {
    throw new TypeError('reference must be a fresh address');
  }
  const signer = createNoopSigner(payer);
  const source = asAddress(associatedTokenAddressSync(payer, mint), 'source');
  const destination = asAddress(associatedTokenAddressSync(treasury, mint), 'destination');

  const createAta = getCreateAssociatedTokenIdempotentInstruction({
    payer: signer,
    ata: destination,
    owner: treasury,
    mint,
  });
  const transfer = getTransferCheckedInstruction({
    source,
    mint,
    destination,
    authority: signer,
    amount: p.amount,
    decimals: p.decimals,
  });
  const transferWithReference = {
    ...transfer,
    accounts: [...transfer.accounts, { address: reference, role: AccountRole.READONLY }],
  };

  const message = pipe(
    createTransactionMessage({ version: p.version ?? 0 }),
    (m) => setTransactionMessageFeePayer(payer, m),
    (m) =>
      setTransactionMessageLifetimeUsingBlockhash(
        { blockhash: p.blockhash as Blockhash, lastValidBlockHeight: p.lastValidBlockHeight },
        m,
      ),
    (m) => appendTransactionMessageInstructions([createAta, transferWithReference], m),
  );
  return encodeWireTransaction(compileTransaction(message));
}
