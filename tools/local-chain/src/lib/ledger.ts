// The chain itself: one LiteSVM executing real signed transactions, plus what a validator's
// RPC layer keeps and LiteSVM does not: a history of landed transactions with their balances
// before and after, an address → signatures index, and a slot/clock that move per transaction.
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
import {
  type Address,
  type LegacyCompiledTransactionMessage,
  type V0CompiledTransactionMessage,
  type Transaction,
  getAddressEncoder,
  getBase58Decoder,
  getBase58Encoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
} from '@solana/kit';
import { getMintDecoder, getTokenDecoder } from '@solana-program/token';
import nacl from 'tweetnacl';
import { TOKEN_PROGRAM } from '@pardon/solana';
import {
  type TransactionErrorJson,
  describeTransactionError,
  transactionErrorJson,
} from './errors-json';

/** A JSON-RPC error answered to the caller, with the code a Solana node uses. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const RPC_INVALID_PARAMS = -32602;
export const RPC_PREFLIGHT_FAILURE = -32002;
export const RPC_SIGNATURE_VERIFICATION_FAILURE = -32003;

export const LAMPORTS_PER_SIGNATURE = 5000n;
/** How many slots a blockhash stays valid on a real cluster; used for lastValidBlockHeight. */
const BLOCKHASH_VALIDITY_SLOTS = 150n;

export interface TokenSnapshot {
  mint: string;
  owner: string;
  amount: bigint;
  decimals: number;
}

interface AccountSnapshot {
  lamports: bigint;
  token: TokenSnapshot | null;
}

export interface InnerInstructionRecord {
  programIdIndex: number;
  accounts: number[];
  data: Uint8Array;
  stackHeight: number;
}

/** One landed transaction, as a validator's ledger would remember it. */
export interface LandedTransaction {
  signature: string;
  signatures: string[];
  slot: bigint;
  blockTime: number;
  wire: Uint8Array;
  message: (LegacyCompiledTransactionMessage | V0CompiledTransactionMessage) & {
    lifetimeToken: string;
  };
  err: TransactionErrorJson | null;
  fee: bigint;
  pre: AccountSnapshot[];
  post: AccountSnapshot[];
  logs: string[];
  inner: InnerInstructionRecord[][];
  computeUnits: bigint;
}

export class Ledger {
  readonly svm = new LiteSVM();
  private readonly landed = new Map<string, LandedTransaction>();
  private readonly byAddress = new Map<string, LandedTransaction[]>();
  private readonly decimalsByMint = new Map<string, number>();
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
    this.tick();
  }

  get slot(): bigint {
    return this.svm.getClock().slot;
  }

  latestBlockhash(): { blockhash: string; lastValidBlockHeight: bigint } {
    return {
      blockhash: this.svm.latestBlockhash(),
      lastValidBlockHeight: this.slot + BLOCKHASH_VALIDITY_SLOTS,
    };
  }

  transaction(signature: string): LandedTransaction | undefined {
    return this.landed.get(signature);
  }

  /** Landed transactions that name `address` among their account keys, newest first. */
  signaturesFor(address: string): LandedTransaction[] {
    return [...(this.byAddress.get(address) ?? [])].reverse();
  }

  lamports(address: string): bigint {
    return this.svm.getBalance(address as Address) ?? 0n;
  }

  tokenAccount(address: string): TokenSnapshot | null {
    return this.snapshot(address).token;
  }

  /**
   * Verifies and executes a signed wire transaction. A transaction that fails during execution
   * lands (fee charged, meta.err set) like on a real cluster, unless preflight is on: then it is
   * refused with -32002, as a node's simulation would. A transaction that cannot land at all (bad
   * signature, unknown blockhash, already processed, no fee) is refused with a JSON-RPC error.
   */
  submit(wire: Uint8Array, opts: { skipPreflight: boolean }): string {
    const { tx, message } = decode(wire);
    verifySignatures(tx);
    const signatures = Object.values(tx.signatures).map((s) =>
      getBase58Decoder().decode(s as Uint8Array),
    );
    const signature = signatures[0] as string;
    if (this.landed.has(signature)) {
      throw new RpcError(
        RPC_PREFLIGHT_FAILURE,
        'Transaction simulation failed: This transaction has already been processed',
        preflightData('AlreadyProcessed', []),
      );
    }
    if (!opts.skipPreflight) {
      const sim = this.svm.simulateTransaction(tx);
      if (sim instanceof FailedTransactionMetadata) {
        const err = transactionErrorJson(sim.err());
        throw new RpcError(
          RPC_PREFLIGHT_FAILURE,
          `Transaction simulation failed: ${describeTransactionError(err)}`,
          preflightData(err, sim.meta().logs(), sim.meta().computeUnitsConsumed()),
        );
      }
    }

    const keys = message.staticAccounts;
    const pre = keys.map((k) => this.snapshot(k));
    this.tick();
    const result = this.svm.sendTransaction(tx);
    const post = keys.map((k) => this.snapshot(k));
    const failed = result instanceof FailedTransactionMetadata;
    const meta = failed ? result.meta() : result;
    const err = failed ? transactionErrorJson(result.err()) : null;
    const feePayerCharged = (post[0]?.lamports ?? 0n) < (pre[0]?.lamports ?? 0n);
    if (failed && !feePayerCharged) {
      // It never made it into a block (LiteSVM committed nothing): refuse it like a node does.
      throw new RpcError(
        RPC_PREFLIGHT_FAILURE,
        `Transaction simulation failed: ${describeTransactionError(err as TransactionErrorJson)}`,
        preflightData(err as TransactionErrorJson, meta.logs(), meta.computeUnitsConsumed()),
      );
    }
    const record: LandedTransaction = {
      signature,
      signatures,
      slot: this.slot,
      blockTime: Number(this.svm.getClock().unixTimestamp),
      wire,
      message,
      err,
      fee: LAMPORTS_PER_SIGNATURE * BigInt(signatures.length),
      pre,
      post,
      logs: meta.logs(),
      inner: meta.innerInstructions().map((list) =>
        list.map((ii) => {
          const ci = ii.instruction();
          return {
            programIdIndex: ci.programIdIndex(),
            accounts: [...ci.accounts()],
            data: new Uint8Array(ci.data()),
            stackHeight: ii.stackHeight(),
          };
        }),
      ),
      computeUnits: meta.computeUnitsConsumed(),
    };
    this.landed.set(signature, record);
    for (const key of new Set(keys)) {
      const list = this.byAddress.get(key) ?? [];
      list.push(record);
      this.byAddress.set(key, list);
    }
    return signature;
  }

  /** A new slot whose clock reads the wall clock, so blockTime is real unix seconds. */
  private tick(): void {
    const slot = this.svm.getClock().slot + 1n;
    this.svm.warpToSlot(slot);
    const clock = this.svm.getClock();
    clock.unixTimestamp = BigInt(Math.floor(this.now() / 1000));
    this.svm.setClock(clock);
  }

  private snapshot(address: string): AccountSnapshot {
    const account = this.svm.getAccount(address as Address);
    if (!account.exists) return { lamports: 0n, token: null };
    let token: TokenSnapshot | null = null;
    if (account.programAddress === TOKEN_PROGRAM && account.data.length === 165) {
      const t = getTokenDecoder().decode(account.data);
      token = { mint: t.mint, owner: t.owner, amount: t.amount, decimals: this.decimals(t.mint) };
    }
    return { lamports: BigInt(account.lamports), token };
  }

  decimals(mint: string): number {
    const known = this.decimalsByMint.get(mint);
    if (known !== undefined) return known;
    const account = this.svm.getAccount(mint as Address);
    if (!account.exists) return 0;
    const decimals = getMintDecoder().decode(account.data).decimals;
    this.decimalsByMint.set(mint, decimals);
    return decimals;
  }
}

function decode(wire: Uint8Array): { tx: Transaction; message: LandedTransaction['message'] } {
  try {
    const tx = getTransactionDecoder().decode(wire);
    const compiled = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
    if (compiled.version !== 'legacy' && compiled.version !== 0) {
      throw new RpcError(
        RPC_INVALID_PARAMS,
        `unsupported transaction version ${String(compiled.version)}`,
      );
    }
    if ('addressTableLookups' in compiled && (compiled.addressTableLookups?.length ?? 0) > 0) {
      throw new RpcError(
        RPC_INVALID_PARAMS,
        'the local chain does not support address lookup tables',
      );
    }
    const lifetimeToken = (compiled as { lifetimeToken?: string }).lifetimeToken ?? '';
    return { tx, message: { ...compiled, lifetimeToken } as LandedTransaction['message'] };
  } catch (err) {
    if (err instanceof RpcError) throw err;
    throw new RpcError(RPC_INVALID_PARAMS, `invalid transaction: ${(err as Error).message}`);
  }
}

function verifySignatures(tx: Transaction): void {
  const message = new Uint8Array(tx.messageBytes);
  for (const [signer, sig] of Object.entries(tx.signatures)) {
    const key = new Uint8Array(getAddressEncoder().encode(signer as Address));
    if (!sig || !nacl.sign.detached.verify(message, new Uint8Array(sig), key)) {
      throw new RpcError(
        RPC_SIGNATURE_VERIFICATION_FAILURE,
        'Transaction signature verification failure',
      );
    }
  }
}

function preflightData(err: TransactionErrorJson, logs: string[], unitsConsumed = 0n) {
  return { err, logs, accounts: null, unitsConsumed, returnData: null, innerInstructions: null };
}

export function base58(bytes: Uint8Array): string {
  return getBase58Decoder().decode(bytes);
}

export function fromBase58(text: string): Uint8Array {
  return new Uint8Array(getBase58Encoder().encode(text));
}
