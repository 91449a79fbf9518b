// The port payment code depends on: what it needs from a Solana cluster, nothing more.
import type { ObservedTransaction, SignatureInfo } from './parse';

export type Commitment = 'processed' | 'confirmed' | 'finalized';

export interface Chain {
  /** null when the cluster does not (yet) know it at the configured commitment */
  getTransaction(signature: string): Promise<ObservedTransaction | null>;
  /** newest first */
  signaturesFor(address: string, opts?: { limit?: number }): Promise<SignatureInfo[]>;
  /** base64 wire transaction, signed; returns the signature (base58) */
  sendTransaction(wireBase64: string): Promise<string>;
  latestBlockhash(): Promise<{ blockhash: string; lastValidBlockHeight: bigint }>;
}
