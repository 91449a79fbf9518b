// Test builders for code that uses @pardon/db (import from '@pardon/db/testing', tests only).
import { randomBytes } from 'node:crypto';
import bs58 from 'bs58';

/** A valid, random Solana wallet address (base58 of 32 random bytes). */
export function randomWallet(): string {
  return bs58.encode(randomBytes(32));
}

/** A deterministic valid wallet address for readable tests: the same `n` gives the same wallet. */
export function testWallet(n: number): string {
  const bytes = Buffer.alloc(32, 7);
  bytes.writeUInt32BE(n >>> 0, 0);
  return bs58.encode(bytes);
}

/** Silent pino-compatible logger that remembers its warnings, to assert on retries. */
export function recordingLogger(): {
  warn(obj: Record<string, unknown>, msg?: string): void;
  warnings: Array<{ obj: Record<string, unknown>; msg: string | undefined }>;
} {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string | undefined }> = [];
  return { warnings, warn: (obj, msg) => warnings.push({ obj, msg }) };
}
