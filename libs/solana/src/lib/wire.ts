// The wire format of a transaction (base64): what a signer signs and how signatures go back in.
// Pure and browser-safe: the player page bundles this module (via `@pardon/solana/wire`) to sign
// a payment with the player's key, so it imports nothing but kit's codecs.
import {
  type Address,
  type SignatureBytes,
  type Transaction,
  getBase58Decoder,
  getBase64Decoder,
  getBase64Encoder,
  getTransactionDecoder,
  getTransactionEncoder,
} from '@solana/kit';

/** Decodes a base64 wire transaction (kit's `Transaction`: message bytes + signature map). */
export function decodeWireTransaction(wireBase64: string): Transaction {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(getBase64Encoder().encode(wireBase64));
  } catch (err) {
    throw new TypeError('not a base64 string', { cause: err });
  }
  try {
    return getTransactionDecoder().decode(bytes);
  } catch (err) {
    throw new TypeError('not a Solana wire transaction', { cause: err });
  }
}

/** Encodes kit's `Transaction` as a base64 wire transaction (missing signatures are zeroed). */
export function encodeWireTransaction(tx: Transaction): string {
  return getBase64Decoder().decode(getTransactionEncoder().encode(tx));
}

/**
 * The message bytes of a wire transaction: what every signer signs with ed25519
 * (e.g. `nacl.sign.detached(transactionMessageBytes(wire), secretKey)`).
 */
export function transactionMessageBytes(wireBase64: string): Uint8Array {
  return new Uint8Array(decodeWireTransaction(wireBase64).messageBytes);
}

/** The addresses that must sign, in signature order (the first one pays the fee). */
export function transactionSigners(wireBase64: string): string[] {
  return Object.keys(decodeWireTransaction(wireBase64).signatures);
}

/**
 * The transaction's id: its first signature in base58, or null while the fee payer has not
 * signed. Known before sending, so a client can look the payment up even if the send fails.
 */
export function transactionSignature(wireBase64: string): string | null {
  const tx = decodeWireTransaction(wireBase64);
  const first = Object.values(tx.signatures)[0];
  return first ? getBase58Decoder().decode(first) : null;
}

/**
 * Puts `signer`'s 64-byte ed25519 signature into its slot and returns the new wire transaction.
 * Throws a TypeError when `signer` is not one of the transaction's signers. Does not verify the
 * signature: the cluster does.
 */
export function withSignature(wireBase64: string, signer: string, signature64: Uint8Array): string {
  if (!(signature64 instanceof Uint8Array) || signature64.length !== 64) {
    throw new TypeError('a signature is 64 bytes');
  }
  const tx = decodeWireTransaction(wireBase64);
  if (!Object.prototype.hasOwnProperty.call(tx.signatures, signer)) {
    throw new TypeError(`${signer} is not a signer of this transaction`);
  }
  return encodeWireTransaction({
    ...tx,
    signatures: { ...tx.signatures, [signer as Address]: signature64 as SignatureBytes },
  });
}
