// Public API of @pardon/local-chain: a real in-process SVM (LiteSVM) behind a real Solana
// JSON-RPC server, with the game's token set up, and helpers for payment tests.
export { startLocalChain, LAMPORTS_PER_SOL, FAUCET_LAMPORTS } from './lib/local-chain';
export type { LocalChain, LocalChainOptions } from './lib/local-chain';
export { signTransaction, makeTransfer } from './lib/testing';
export type { TransferOptions } from './lib/testing';
