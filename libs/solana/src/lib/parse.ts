// Reading JSON-RPC results into the few facts a payment check needs. Pure. Accepts the raw JSON
// (numbers) and @solana/kit's transformed results (integers as bigint) alike.
import { ChainResponseError } from './errors';

/** What a payment check needs to know about one confirmed transaction. */
export interface ObservedTransaction {
  signature: string;
  slot: number;
  /** unix seconds */
  blockTime: number | null;
  /** meta.err === null */
  succeeded: boolean;
  feePayer: string;
  signers: string[];
  /** all static account keys (base58), in message order; loaded (lookup-table) keys excluded */
  accountKeys: string[];
  /** Token balance change per token account: from meta.pre/postTokenBalances */
  tokenDeltas: TokenDelta[];
}

export interface TokenDelta {
  account: string;
  /** '' when the node did not report the owner */
  owner: string;
  mint: string;
  /** post - pre, base units (an account absent on one side counts as 0 there) */
  delta: bigint;
}

export interface SignatureInfo {
  signature: string;
  failed: boolean;
  blockTime: number | null;
  slot: number;
}

type Json = Record<string, unknown>;

/**
 * Parses the result of getTransaction (encoding 'jsonParsed', maxSupportedTransactionVersion 0;
 * 'json' works too). A null result (unknown at the commitment) gives null. Throws
 * ChainResponseError when the shape is not the documented one.
 */
export function parseTransaction(signature: string, result: unknown): ObservedTransaction | null {
  if (result === null || result === undefined) return null;
  const r = obj(result, 'result');
  const meta = obj(r['meta'], 'meta');
  const tx = obj(r['transaction'], 'transaction');
  const message = obj(tx['message'], 'transaction.message');
  const signatures = arr(tx['signatures'], 'transaction.signatures').map((s, i) =>
    str(s, `transaction.signatures[${i}]`),
  );
  if (signatures[0] !== signature) {
    throw new ChainResponseError(`asked for ${signature}, got transaction ${signatures[0]}`);
  }

  const keys = accountKeysOf(message, meta);
  const all = keys.map((k) => k.pubkey);
  const tokenDeltas = tokenDeltasOf(meta, all);
  const feePayer = keys[0]?.pubkey;
  if (feePayer === undefined) throw new ChainResponseError('transaction has no account keys');

  return {
    signature,
    slot: int(r['slot'], 'slot'),
    blockTime:
      r['blockTime'] === null || r['blockTime'] === undefined
        ? null
        : int(r['blockTime'], 'blockTime'),
    succeeded: meta['err'] === null || meta['err'] === undefined,
    feePayer,
    signers: keys.filter((k) => k.signer).map((k) => k.pubkey),
    accountKeys: keys.filter((k) => k.source === 'transaction').map((k) => k.pubkey),
    tokenDeltas,
  };
}

/** Parses the result of getSignaturesForAddress (newest first, as the node returns it). */
export function parseSignatures(result: unknown): SignatureInfo[] {
  return arr(result, 'result').map((item, i) => {
    const o = obj(item, `result[${i}]`);
    return {
      signature: str(o['signature'], `result[${i}].signature`),
      failed: o['err'] !== null && o['err'] !== undefined,
      blockTime:
        o['blockTime'] === null || o['blockTime'] === undefined
          ? null
          : int(o['blockTime'], `result[${i}].blockTime`),
      slot: int(o['slot'], `result[${i}].slot`),
    };
  });
}

interface Key {
  pubkey: string;
  signer: boolean;
  source: 'transaction' | 'lookupTable';
}

/**
 * jsonParsed: accountKeys are objects `{pubkey, signer, writable, source}` and already include the
 * loaded addresses. json: accountKeys are strings, the header says which sign, and the loaded
 * addresses come from meta.loadedAddresses (writable first, then readonly).
 */
function accountKeysOf(message: Json, meta: Json): Key[] {
  const raw = arr(message['accountKeys'], 'transaction.message.accountKeys');
  if (raw.every((k) => typeof k === 'string')) {
    const header = obj(message['header'], 'transaction.message.header');
    const required = int(header['numRequiredSignatures'], 'header.numRequiredSignatures');
    const keys: Key[] = (raw as string[]).map((pubkey, i) => ({
      pubkey,
      signer: i < required,
      source: 'transaction',
    }));
    const loaded = meta['loadedAddresses'];
    if (loaded !== undefined && loaded !== null) {
      const l = obj(loaded, 'meta.loadedAddresses');
      for (const side of ['writable', 'readonly']) {
        for (const [i, k] of arr(l[side] ?? [], `meta.loadedAddresses.${side}`).entries()) {
          keys.push({
            pubkey: str(k, `loadedAddresses.${side}[${i}]`),
            signer: false,
            source: 'lookupTable',
          });
        }
      }
    }
    return keys;
  }
  return raw.map((k, i) => {
    const o = obj(k, `accountKeys[${i}]`);
    const source = o['source'] ?? 'transaction';
    if (source !== 'transaction' && source !== 'lookupTable') {
      throw new ChainResponseError(`accountKeys[${i}].source is ${String(source)}`);
    }
    return {
      pubkey: str(o['pubkey'], `accountKeys[${i}].pubkey`),
      signer: bool(o['signer'], `accountKeys[${i}].signer`),
      source,
    };
  });
}

function tokenDeltasOf(meta: Json, keys: string[]): TokenDelta[] {
  const byIndex = new Map<number, { owner: string; mint: string; pre: bigint; post: bigint }>();
  for (const side of ['preTokenBalances', 'postTokenBalances'] as const) {
    const list = meta[side];
    if (list === null || list === undefined) continue;
    for (const [i, item] of arr(list, `meta.${side}`).entries()) {
      const where = `meta.${side}[${i}]`;
      const b = obj(item, where);
      const index = int(b['accountIndex'], `${where}.accountIndex`);
      if (keys[index] === undefined) {
        throw new ChainResponseError(`${where}.accountIndex ${index} is out of range`);
      }
      const ui = obj(b['uiTokenAmount'], `${where}.uiTokenAmount`);
      const amount = baseUnits(ui['amount'], `${where}.uiTokenAmount.amount`);
      const mint = str(b['mint'], `${where}.mint`);
      const owner =
        b['owner'] === undefined || b['owner'] === null ? '' : str(b['owner'], `${where}.owner`);
      const entry = byIndex.get(index) ?? { owner, mint, pre: 0n, post: 0n };
      if (entry.mint !== mint)
        throw new ChainResponseError(`${where}.mint changed between pre and post`);
      if (owner !== '') entry.owner = owner;
      if (side === 'preTokenBalances') entry.pre = amount;
      else entry.post = amount;
      byIndex.set(index, entry);
    }
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, e]) => ({
      account: keys[index] as string,
      owner: e.owner,
      mint: e.mint,
      delta: e.post - e.pre,
    }));
}

function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ChainResponseError(`${what} is not an object`);
  }
  return v as Json;
}
function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new ChainResponseError(`${what} is not an array`);
  return v;
}
function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ChainResponseError(`${what} is not a string`);
  return v;
}
function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new ChainResponseError(`${what} is not a boolean`);
  return v;
}
function int(v: unknown, what: string): number {
  if (typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new ChainResponseError(`${what} is not a non-negative integer`);
}
function baseUnits(v: unknown, what: string): bigint {
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  throw new ChainResponseError(`${what} is not a decimal string of base units`);
}
