// The one I/O module of the lib: a Chain over Solana JSON-RPC (@solana/kit's createSolanaRpc).
import {
  type Address,
  type Base64EncodedWireTransaction,
  type Signature,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
  createSolanaRpc,
  isSolanaError,
} from '@solana/kit';
import { asAddress } from './address';
import type { Chain, Commitment } from './chain';
import { ChainResponseError, ChainUnavailableError, TransactionRejectedError } from './errors';
import { parseSignatures, parseTransaction } from './parse';

export interface RpcChainOptions {
  /** the cluster's JSON-RPC endpoint, e.g. https://api.mainnet-beta.solana.com */
  url: string;
  /** getTransaction and getSignaturesForAddress do not serve 'processed'; they use 'confirmed' then */
  commitment: Commitment;
  /** skip the node's simulation before sending (default false: a doomed transaction is refused) */
  skipPreflight?: boolean;
}

/**
 * The Solana JSON-RPC adapter. Every failure to get an answer (network, HTTP status, JSON-RPC
 * error) is a ChainUnavailableError; a transaction the node refuses is its subclass
 * TransactionRejectedError; an answer in the wrong shape is a ChainResponseError.
 */
export function createRpcChain(opts: RpcChainOptions): Chain {
  const rpc = createSolanaRpc(opts.url);
  const readCommitment = opts.commitment === 'processed' ? 'confirmed' : opts.commitment;

  return {
    async getTransaction(signature) {
      const result = await call('getTransaction', () =>
        rpc
          .getTransaction(signature as Signature, {
            encoding: 'jsonParsed',
            maxSupportedTransactionVersion: 0,
            commitment: readCommitment,
          })
          .send(),
      );
      return parseTransaction(signature, result);
    },

    async signaturesFor(address, options) {
      const result = await call('getSignaturesForAddress', () =>
        rpc
          .getSignaturesForAddress(asAddress(address, 'address') as Address, {
            commitment: readCommitment,
            ...(options?.limit === undefined ? {} : { limit: options.limit }),
          })
          .send(),
      );
      return parseSignatures(result);
    },

    async sendTransaction(wireBase64) {
      const result = await call('sendTransaction', () =>
        rpc
          .sendTransaction(wireBase64 as Base64EncodedWireTransaction, {
            encoding: 'base64',
            preflightCommitment: opts.commitment,
            skipPreflight: opts.skipPreflight ?? false,
          })
          .send(),
      );
      if (typeof result !== 'string') throw new ChainResponseError('sendTransaction: no signature');
      return result;
    },

    async latestBlockhash() {
      const result = await call('getLatestBlockhash', () =>
        rpc.getLatestBlockhash({ commitment: opts.commitment }).send(),
      );
      const value = (result as { value?: { blockhash?: unknown; lastValidBlockHeight?: unknown } })
        ?.value;
      if (typeof value?.blockhash !== 'string') {
        throw new ChainResponseError('getLatestBlockhash: no blockhash');
      }
      const height = value.lastValidBlockHeight;
      if (typeof height !== 'bigint' && typeof height !== 'number') {
        throw new ChainResponseError('getLatestBlockhash: no lastValidBlockHeight');
      }
      return { blockhash: value.blockhash, lastValidBlockHeight: BigInt(height) };
    },
  };
}

async function call<T>(method: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (
      isSolanaError(err, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE)
    ) {
      const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new TransactionRejectedError(
        `${method}: transaction simulation failed${cause}`,
        SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
        { cause: err },
      );
    }
    if (
      isSolanaError(
        err,
        SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
      )
    ) {
      throw new TransactionRejectedError(
        `${method}: transaction signature verification failure`,
        SOLANA_ERROR__JSON_RPC__SERVER_ERROR_TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
        { cause: err },
      );
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new ChainUnavailableError(`${method}: ${message}`, { cause: err });
  }
}
