import type { FastifyInstance } from 'fastify';
import { ErrorBodySchema } from '../errors';
import type { SignIn } from './sign-in';

const WalletSchema = { type: 'string', minLength: 32, maxLength: 44 } as const;

/** `POST /api/auth/nonce` and `POST /api/auth/verify` (no token needed, per-IP limit only). */
export async function signInRoutes(app: FastifyInstance, opts: { signIn: SignIn }): Promise<void> {
  const { signIn } = opts;
  app.post<{ Body: { wallet: string } }>(
    '/api/auth/nonce',
    {
      schema: {
        body: {
          type: 'object',
          required: ['wallet'],
          additionalProperties: false,
          properties: { wallet: WalletSchema },
        },
        response: {
          200: {
            type: 'object',
            required: ['nonce', 'message', 'expiresAt'],
            properties: {
              nonce: { type: 'string' },
              message: { type: 'string' },
              expiresAt: { type: 'string' },
            },
          },
          '4xx': ErrorBodySchema,
          '5xx': ErrorBodySchema,
        },
      },
    },
    async (request) => {
      const n = await signIn.issueNonce(request.body.wallet);
      return { nonce: n.nonce, message: n.message, expiresAt: n.expiresAt.toISOString() };
    },
  );

  app.post<{ Body: { wallet: string; nonce: string; signature: string } }>(
    '/api/auth/verify',
    {
      schema: {
        body: {
          type: 'object',
          required: ['wallet', 'nonce', 'signature'],
          additionalProperties: false,
          properties: {
            wallet: WalletSchema,
            nonce: { type: 'string', minLength: 1, maxLength: 64 },
            signature: { type: 'string', minLength: 1, maxLength: 128 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['token', 'expiresAt'],
            properties: { token: { type: 'string' }, expiresAt: { type: 'string' } },
          },
          '4xx': ErrorBodySchema,
          '5xx': ErrorBodySchema,
        },
      },
    },
    async (request) => {
      const { wallet, nonce, signature } = request.body;
      const t = await signIn.verify(wallet, nonce, signature);
      return { token: t.token, expiresAt: t.expiresAt.toISOString() };
    },
  );
}
