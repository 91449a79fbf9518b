import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayError } from '../errors';
import { bearerOf } from '../shared/bearer';
import { verifyToken } from './tokens';

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

/** Decorates `app.authenticate`, which turns a player's bearer token into `request.wallet`. */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { tokenSecret: string; tokenTtlS: number }) => {
    app.decorateRequest('wallet', '');
    app.decorate('authenticate', async (request: FastifyRequest) => {
      const token = bearerOf(request);
      if (!token) throw new GatewayError('GW_ERR_UNAUTHORIZED');
      request.wallet = verifyToken(opts.tokenSecret, token, Date.now(), opts.tokenTtlS);
    });
  },
  { name: 'auth' },
);
