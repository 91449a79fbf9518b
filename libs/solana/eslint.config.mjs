// eslint-disable-next-line @nx/enforce-module-boundaries -- the project config extends the root one; it is not code of the lib
import baseConfig from '../../eslint.config.mjs';

// The lib is type:io because of one module, rpc-chain.ts (the JSON-RPC adapter). Everything else
// (parsing, payment checks, transaction building, wire format) is pure, and wire.ts is bundled
// into the browser: no Node I/O modules and no network clients outside rpc-chain.ts.
const NODE_IO_MODULES = [
  'fs',
  'net',
  'http',
  'https',
  'child_process',
  'dgram',
  'tls',
  'worker_threads',
  'cluster',
  'crypto',
  'buffer',
];

export default [
  ...baseConfig,
  {
    files: ['libs/solana/src/**/*.ts'],
    ignores: ['libs/solana/src/lib/rpc-chain.ts', 'libs/solana/src/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_IO_MODULES.flatMap((m) => [m, `node:${m}`]).map((name) => ({
              name,
              message: 'Only rpc-chain.ts does I/O; the other modules are pure (and browser-safe).',
            })),
            { name: 'undici', message: 'Only rpc-chain.ts does I/O.' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='createSolanaRpc']",
          message: 'Only rpc-chain.ts talks to a cluster.',
        },
      ],
    },
  },
];
