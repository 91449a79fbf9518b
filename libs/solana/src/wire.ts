// Browser entry @pardon/solana/wire: what a page needs to sign a payment transaction it was
// handed (see ./lib/wire.ts). Pure, no Node modules; safe to bundle with esbuild.
export {
  transactionMessageBytes,
  withSignature,
  transactionSigners,
  transactionSignature,
} from './lib/wire';
export { isAddress } from './lib/is-address';
