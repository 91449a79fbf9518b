import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayError } from '../errors';
import { verifyToken } from '../lib/tokens';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in wallet; set by `app.authenticate` on player routes. */
    wallet: string;
  }
  interface FastifyInstance {
    /** preHandler for player routes: requires `Authorization: Bearer <token>`. */
    authenticate: (request: FastifyRequest) => Promise<void>;
  }
}

/** Reads a bearer credential, or undefined when the header is absent or not a bearer. */
export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export const authPlugin = fp(
  async (app: FastifyInstance, opts: { tokenSecret: string }) => {
    app.decorateRequest('wallet', '');
    app.decorate('authenticate', async (request: FastifyRequest) => {
      const token = bearerOf(request);
      if (!token) throw new GatewayError('GW_ERR_UNAUTHORIZED');
      request.wallet = verifyToken(opts.tokenSecret, token);
    });
  },
  { name: 'auth' },
);
