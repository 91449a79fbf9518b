// Test helpers for payment tests: sign a wire transaction with a secret key, and send real,
// signed SPL token transfers — honest or hostile — to a chain over JSON-RPC.
import {
  AccountRole,
  type Address,
  type Base64EncodedWireTransaction,
  appendTransactionMessageInstructions,
  compileTransaction,
  createNoopSigner,
  createSolanaRpc,
  createTransactionMessage,
  getBase64Decoder,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from '@solana/kit';
import {
  getCreateAssociatedTokenIdempotentInstruction,
  getTransferCheckedInstruction,
} from '@solana-program/token';
import nacl from 'tweetnacl';
import { associatedTokenAddressSync, transactionMessageBytes, withSignature } from '@pardon/solana';
import { base58 } from './ledger';

/** Signs a base64 wire transaction with a 64-byte ed25519 secret key (tweetnacl's layout). */
export function signTransaction(wireBase64: string, secretKey64: Uint8Array): string {
  const keypair = nacl.sign.keyPair.fromSecretKey(secretKey64);
  const signature = nacl.sign.detached(transactionMessageBytes(wireBase64), keypair.secretKey);
  return withSignature(wireBase64, base58(keypair.publicKey), signature);
}

export interface TransferOptions {
  chain: { url: string };
  payerSecret: Uint8Array;
  mint: string;
  /** owner wallet of the receiving token account (created idempotently, the payer pays) */
  toOwner: string;
  /** base units */
  amount: bigint;
  /** appended as a read-only account of the transfer; omit for a payment without reference */
  reference?: string;
  /** send u64::MAX instead of `amount`: the token program refuses it and the transaction lands failed */
  fail?: boolean;
  /** default 6 */
  decimals?: number;
}

/**
 * Builds, signs and sends (skipPreflight, so a failing transfer still lands) one TransferChecked
 * from the payer's associated token account of `mint` to `toOwner`'s. Returns the signature.
 * The variants a payment check must refuse: another mint, another recipient, a short amount,
 * `fail`, no `reference`.
 */
export async function makeTransfer(o: TransferOptions): Promise<string> {
  const rpc = createSolanaRpc(o.chain.url);
  const payer = base58(nacl.sign.keyPair.fromSecretKey(o.payerSecret).publicKey) as Address;
  const signer = createNoopSigner(payer);
  const mint = o.mint as Address;
  const destination = associatedTokenAddressSync(o.toOwner, o.mint) as Address;
  const transfer = getTransferCheckedInstruction({
    source: associatedTokenAddressSync(payer, o.mint) as Address,
    mint,
    destination,
    authority: signer,
    amount: o.fail ? 2n ** 64n - 1n : o.amount,
    decimals: o.decimals ?? 6,
  });
  const instructions = [
    getCreateAssociatedTokenIdempotentInstruction({
      payer: signer,
      ata: destination,
      owner: o.toOwner as Address,
      mint,
    }),
    o.reference === undefined
      ? transfer
      : {
          ...transfer,
          accounts: [
            ...transfer.accounts,
            { address: o.reference as Address, role: AccountRole.READONLY },
          ],
        },
  ];
  const { value: lifetime } = await rpc.getLatestBlockhash().send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const unsigned = getBase64Decoder().decode(
    getTransactionEncoder().encode(compileTransaction(message)),
  );
  const wire = signTransaction(unsigned, o.payerSecret);
  return rpc
    .sendTransaction(wire as Base64EncodedWireTransaction, {
      encoding: 'base64',
      skipPreflight: true,
    })
    .send();
}
