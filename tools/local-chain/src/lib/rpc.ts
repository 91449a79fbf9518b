// The JSON-RPC methods of the local chain, in the shapes of https://solana.com/docs/rpc/http.
// Every method reads or writes the Ledger; results are plain JSON values (bigint allowed: the
// server writes them as JSON integers).
import { type Address, getBase64Decoder, getBase64Encoder } from '@solana/kit';
import { TOKEN_PROGRAM, isAddress } from '@pardon/solana';
import {
  type InnerInstructionRecord,
  type LandedTransaction,
  Ledger,
  RPC_INVALID_PARAMS,
  RpcError,
  base58,
  fromBase58,
} from './ledger';

export const RPC_METHOD_NOT_FOUND = -32601;
const RPC_UNSUPPORTED_TRANSACTION_VERSION = -32015;
const U64_MAX = 2n ** 64n - 1n;

export type RpcMethod = (params: unknown[]) => unknown;

/** Everything the chain answers besides the ledger: how to airdrop (a real signed transfer). */
export interface RpcHooks {
  airdrop(address: string, lamports: bigint): string;
}

export function rpcMethods(ledger: Ledger, hooks: RpcHooks): Record<string, RpcMethod> {
  const context = () => ({ slot: ledger.slot, apiVersion: '2.2.0' });
  return {
    getHealth: () => 'ok',
    getVersion: () => ({ 'solana-core': '2.2.0-litesvm', 'feature-set': 0 }),
    getSlot: () => ledger.slot,
    getBlockHeight: () => ledger.slot,
    getLatestBlockhash: () => ({ context: context(), value: ledger.latestBlockhash() }),
    isBlockhashValid: (p) => ({
      context: context(),
      value: str(p[0], 'blockhash') === ledger.latestBlockhash().blockhash,
    }),
    getMinimumBalanceForRentExemption: (p) =>
      ledger.svm.minimumBalanceForRentExemption(BigInt(num(p[0] ?? 0, 'dataLength'))),

    getBalance: (p) => ({ context: context(), value: ledger.lamports(address(p[0])) }),

    getAccountInfo: (p) => {
      const config = (p[1] ?? {}) as { encoding?: string };
      if (config.encoding !== undefined && config.encoding !== 'base64') {
        throw new RpcError(
          RPC_INVALID_PARAMS,
          'the local chain serves getAccountInfo in base64 only',
        );
      }
      const account = ledger.svm.getAccount(address(p[0]) as Address);
      if (!account.exists) return { context: context(), value: null };
      return {
        context: context(),
        value: {
          data: [getBase64Decoder().decode(account.data), 'base64'],
          executable: account.executable,
          lamports: BigInt(account.lamports),
          owner: account.programAddress,
          rentEpoch: U64_MAX,
          space: account.data.length,
        },
      };
    },

    getTokenAccountBalance: (p) => {
      const token = ledger.tokenAccount(address(p[0]));
      if (!token) {
        throw new RpcError(RPC_INVALID_PARAMS, 'Invalid param: could not find account');
      }
      return { context: context(), value: uiTokenAmount(token.amount, token.decimals) };
    },

    requestAirdrop: (p) => hooks.airdrop(address(p[0]), BigInt(num(p[1], 'lamports'))),

    sendTransaction: (p) => {
      const config = (p[1] ?? {}) as { encoding?: string; skipPreflight?: boolean };
      const encoding = config.encoding ?? 'base58';
      const text = str(p[0], 'transaction');
      let wire: Uint8Array;
      try {
        wire =
          encoding === 'base64'
            ? new Uint8Array(getBase64Encoder().encode(text))
            : encoding === 'base58'
              ? fromBase58(text)
              : (() => {
                  throw new Error(`unsupported encoding ${encoding}`);
                })();
      } catch (err) {
        throw new RpcError(
          RPC_INVALID_PARAMS,
          `invalid transaction encoding: ${(err as Error).message}`,
        );
      }
      return ledger.submit(wire, { skipPreflight: config.skipPreflight === true });
    },

    getSignatureStatuses: (p) => {
      const signatures = p[0];
      if (!Array.isArray(signatures))
        throw new RpcError(RPC_INVALID_PARAMS, 'expected an array of signatures');
      return {
        context: context(),
        value: signatures.map((s) => {
          const tx = ledger.transaction(str(s, 'signature'));
          if (!tx) return null;
          return {
            slot: tx.slot,
            confirmations: null,
            err: tx.err,
            status: tx.err === null ? { Ok: null } : { Err: tx.err },
            confirmationStatus: 'finalized',
          };
        }),
      };
    },

    getSignaturesForAddress: (p) => {
      const config = (p[1] ?? {}) as { limit?: number; before?: string; until?: string };
      const limit = config.limit ?? 1000;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new RpcError(RPC_INVALID_PARAMS, 'Invalid limit; max 1000');
      }
      let list = ledger.signaturesFor(address(p[0]));
      if (config.before !== undefined) {
        const at = list.findIndex((t) => t.signature === config.before);
        list = at < 0 ? [] : list.slice(at + 1);
      }
      if (config.until !== undefined) {
        const at = list.findIndex((t) => t.signature === config.until);
        if (at >= 0) list = list.slice(0, at);
      }
      return list.slice(0, limit).map((t) => ({
        signature: t.signature,
        slot: t.slot,
        err: t.err,
        memo: null,
        blockTime: t.blockTime,
        confirmationStatus: 'finalized',
      }));
    },

    getTransaction: (p) => {
      const signature = str(p[0], 'signature');
      const config = (typeof p[1] === 'string' ? { encoding: p[1] } : (p[1] ?? {})) as {
        encoding?: string;
        maxSupportedTransactionVersion?: number;
      };
      const tx = ledger.transaction(signature);
      if (!tx) return null;
      if (tx.message.version === 0 && config.maxSupportedTransactionVersion === undefined) {
        throw new RpcError(
          RPC_UNSUPPORTED_TRANSACTION_VERSION,
          'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
        );
      }
      return transactionJson(tx, config.encoding ?? 'json');
    },
  };
}

/** A getTransaction result in the requested encoding (json, jsonParsed, base64, base58). */
export function transactionJson(tx: LandedTransaction, encoding: string): unknown {
  const keys = tx.message.staticAccounts as string[];
  const parsed = encoding === 'jsonParsed';
  const meta = {
    err: tx.err,
    status: tx.err === null ? { Ok: null } : { Err: tx.err },
    fee: tx.fee,
    preBalances: tx.pre.map((a) => a.lamports),
    postBalances: tx.post.map((a) => a.lamports),
    innerInstructions: tx.inner
      .map((list, index) => ({
        index,
        instructions: list.map((ii) =>
          parsed
            ? parsedInstruction(ii, keys, ii.stackHeight)
            : compiledInstructionJson(ii, ii.stackHeight),
        ),
      }))
      .filter((group) => group.instructions.length > 0),
    logMessages: tx.logs,
    preTokenBalances: tokenBalances(tx.pre),
    postTokenBalances: tokenBalances(tx.post),
    rewards: [],
    computeUnitsConsumed: tx.computeUnits,
    ...(parsed ? {} : { loadedAddresses: { readonly: [], writable: [] } }),
  };
  const version = tx.message.version;
  let transaction: unknown;
  if (encoding === 'base64') transaction = [getBase64Decoder().decode(tx.wire), 'base64'];
  else if (encoding === 'base58') transaction = [base58(tx.wire), 'base58'];
  else if (encoding === 'json' || parsed) {
    const h = tx.message.header;
    const instructions = tx.message.instructions.map((ci) => {
      const ii = {
        programIdIndex: ci.programAddressIndex,
        accounts: ci.accountIndices ?? [],
        data: new Uint8Array(ci.data ?? []),
      };
      return parsed ? parsedInstruction(ii, keys, null) : compiledInstructionJson(ii, null);
    });
    transaction = {
      signatures: tx.signatures,
      message: {
        accountKeys: parsed
          ? keys.map((pubkey, i) => ({
              pubkey,
              signer: i < h.numSignerAccounts,
              writable: isWritable(i, h, keys.length),
              source: 'transaction',
            }))
          : keys,
        ...(parsed
          ? {}
          : {
              header: {
                numRequiredSignatures: h.numSignerAccounts,
                numReadonlySignedAccounts: h.numReadonlySignerAccounts,
                numReadonlyUnsignedAccounts: h.numReadonlyNonSignerAccounts,
              },
            }),
        instructions,
        recentBlockhash: tx.message.lifetimeToken,
        ...(version === 0 ? { addressTableLookups: [] } : {}),
      },
    };
  } else {
    throw new RpcError(RPC_INVALID_PARAMS, `unsupported encoding ${encoding}`);
  }
  return { slot: tx.slot, blockTime: tx.blockTime, meta, transaction, version };
}

type Header = LandedTransaction['message']['header'];

function isWritable(i: number, h: Header, total: number): boolean {
  if (i < h.numSignerAccounts) return i < h.numSignerAccounts - h.numReadonlySignerAccounts;
  return i < total - h.numReadonlyNonSignerAccounts;
}

function compiledInstructionJson(
  ii: Omit<InnerInstructionRecord, 'stackHeight'>,
  stackHeight: number | null,
) {
  return {
    programIdIndex: ii.programIdIndex,
    accounts: ii.accounts,
    data: base58(ii.data),
    stackHeight,
  };
}

/**
 * jsonParsed instructions: SPL Token transfer / transferChecked parsed as a node's
 * solana-transaction-status parser does (extra accounts after the authority make it read the
 * authority as a multisig and the extras as its signers, which is how a Solana Pay reference
 * shows up); every other instruction as `{programId, accounts, data, stackHeight}`.
 */
function parsedInstruction(
  ii: Omit<InnerInstructionRecord, 'stackHeight'>,
  keys: string[],
  stackHeight: number | null,
): unknown {
  const programId = keys[ii.programIdIndex] as string;
  const acc = ii.accounts.map((i) => keys[i] as string);
  const d = ii.data;
  if (programId === TOKEN_PROGRAM && d.length >= 9 && (d[0] === 3 || d[0] === 12)) {
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const amount = view.getBigUint64(1, true);
    if (d[0] === 3 && acc.length >= 3) {
      return {
        parsed: {
          info: {
            amount: amount.toString(),
            ...authority(acc, 2),
            destination: acc[1],
            source: acc[0],
          },
          type: 'transfer',
        },
        program: 'spl-token',
        programId,
        stackHeight,
      };
    }
    if (d[0] === 12 && d.length >= 10 && acc.length >= 4) {
      const decimals = d[9] as number;
      return {
        parsed: {
          info: {
            ...authority(acc, 3),
            destination: acc[2],
            mint: acc[1],
            source: acc[0],
            tokenAmount: uiTokenAmount(amount, decimals),
          },
          type: 'transferChecked',
        },
        program: 'spl-token',
        programId,
        stackHeight,
      };
    }
  }
  return { accounts: acc, data: base58(d), programId, stackHeight };
}

function authority(acc: string[], at: number): Record<string, unknown> {
  return acc.length > at + 1
    ? { multisigAuthority: acc[at], signers: acc.slice(at + 1) }
    : { authority: acc[at] };
}

function tokenBalances(side: LandedTransaction['pre']) {
  return side.flatMap((a, accountIndex) =>
    a.token
      ? [
          {
            accountIndex,
            mint: a.token.mint,
            owner: a.token.owner,
            programId: TOKEN_PROGRAM,
            uiTokenAmount: uiTokenAmount(a.token.amount, a.token.decimals),
          },
        ]
      : [],
  );
}

/** `{amount, decimals, uiAmount, uiAmountString}`; uiAmount is null for a zero balance, as nodes report it. */
export function uiTokenAmount(amount: bigint, decimals: number) {
  const uiAmountString = formatUnits(amount, decimals);
  return {
    amount: amount.toString(),
    decimals,
    uiAmount: amount === 0n ? null : Number(uiAmountString),
    uiAmountString,
  };
}

export function formatUnits(amount: bigint, decimals: number): string {
  const text = amount.toString().padStart(decimals + 1, '0');
  const whole = text.slice(0, text.length - decimals);
  const fraction = text.slice(text.length - decimals).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string')
    throw new RpcError(RPC_INVALID_PARAMS, `Invalid param: ${what} must be a string`);
  return v;
}
function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new RpcError(RPC_INVALID_PARAMS, `Invalid param: ${what} must be a non-negative integer`);
  }
  return v;
}
function address(v: unknown): string {
  const text = str(v, 'address');
  if (!isAddress(text)) throw new RpcError(RPC_INVALID_PARAMS, 'Invalid param: Invalid');
  return text;
}
