// eslint-disable-next-line @nx/enforce-module-boundaries -- the project config extends the root one; it is not code of the lib
import baseConfig from '../../eslint.config.mjs';

// The root config bans I/O packages from every type:pure lib. The game rules must also be
// replayable: the same events give bit-identical scores, so the library never reads the clock
// or draws random numbers — callers pass instants in.
export default [
  ...baseConfig,
  {
    files: ['libs/game/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'fs',
            'net',
            'http',
            'https',
            'child_process',
            'dgram',
            'tls',
            'worker_threads',
            'cluster',
          ]
            .flatMap((m) => [m, `node:${m}`])
            .map((name) => ({
              name,
              message: 'Pure libs do no I/O: pass data in, return data out.',
            })),
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'The clock is injected: take the instant as an argument.',
        },
        {
          object: 'Math',
          property: 'random',
          message: 'The game is deterministic: no randomness.',
        },
        {
          object: 'performance',
          property: 'now',
          message: 'The clock is injected: take the instant as an argument.',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'new Date() reads the clock: take the instant as an argument.',
        },
      ],
    },
  },
];
