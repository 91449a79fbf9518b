// CLI: `tsx tools/local-chain/src/main.ts` starts a local chain, prints one JSON line
// {"url","mint","treasury","decimals"} when ready and stops on SIGTERM / SIGINT.
import bs58 from 'bs58';
import { z } from 'zod';
import { isAddress } from '@pardon/solana';
import { startLocalChain } from './lib/local-chain';

const EnvSchema = z.object({
  LOCAL_CHAIN_HOST: z.string().default('127.0.0.1'),
  LOCAL_CHAIN_PORT: z.coerce.number().int().min(0).max(65535).default(8899),
  LOCAL_CHAIN_MINT_SECRET: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return undefined;
      try {
        const bytes = bs58.decode(s);
        if (bytes.length === 64) return bytes;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a base58 64-byte ed25519 secret key' });
      return z.NEVER;
    }),
  LOCAL_CHAIN_TREASURY: z
    .string()
    .optional()
    .refine((s) => s === undefined || s === '' || isAddress(s), 'must be a base58 Solana address'),
});

async function main(): Promise<void> {
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      console.error(`local-chain: ${issue.path.join('.')}: ${issue.message}`);
    process.exit(2);
  }
  const env = parsed.data;
  const chain = await startLocalChain({
    host: env.LOCAL_CHAIN_HOST,
    port: env.LOCAL_CHAIN_PORT,
    ...(env.LOCAL_CHAIN_MINT_SECRET ? { mintSecret: env.LOCAL_CHAIN_MINT_SECRET } : {}),
    ...(env.LOCAL_CHAIN_TREASURY ? { treasury: env.LOCAL_CHAIN_TREASURY } : {}),
  });
  process.stdout.write(
    `${JSON.stringify({ url: chain.url, mint: chain.mint, treasury: chain.treasury, decimals: chain.decimals })}\n`,
  );
  const stop = (): void => {
    chain.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
