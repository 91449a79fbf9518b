// Public API of @pardon/solana: reading payments off a Solana cluster (parse, check), building
// the payment transaction a wallet signs, and the JSON-RPC adapter. Only createRpcChain does I/O.
export { parseTransaction, parseSignatures } from './lib/parse';
export type { ObservedTransaction, TokenDelta, SignatureInfo } from './lib/parse';

export { checkPayment, CLOCK_SLACK_MS } from './lib/check';
export type { PaymentCheckCode, PaymentExpectation, PaymentCheckResult } from './lib/check';

export type { Chain, Commitment } from './lib/chain';
export { createRpcChain } from './lib/rpc-chain';
export type { RpcChainOptions } from './lib/rpc-chain';
export { ChainUnavailableError, ChainResponseError, TransactionRejectedError } from './lib/errors';

export { buildPaymentTransaction, MAX_TOKEN_AMOUNT } from './lib/build';
export type { PaymentTransactionParams } from './lib/build';
export {
  transactionMessageBytes,
  withSignature,
  transactionSigners,
  transactionSignature,
} from './lib/wire';
export {
  newReference,
  associatedTokenAddress,
  associatedTokenAddressSync,
  isAddress,
  TOKEN_PROGRAM,
  ASSOCIATED_TOKEN_PROGRAM,
  SYSTEM_PROGRAM,
} from './lib/address';
