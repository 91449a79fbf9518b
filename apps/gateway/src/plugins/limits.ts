import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayError } from '../errors';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts one request of the signed-in wallet; throws 429 with Retry-After over the limit. */
    limitWallet: (request: FastifyRequest, reply?: FastifyReply) => Promise<void>;
  }
}

const WINDOW_MS = 60_000;

/** What the per-IP limiter adds to every response: not what a per-wallet 429 is about. */
const IP_LIMIT_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

/**
 * Request rate limits: per client IP on every route that does not opt out (agents and probes
 * do), and per wallet on player routes, both answering 429 with Retry-After.
 */
export const limitsPlugin = fp(
  async (app: FastifyInstance, opts: { ipPerMin: number; walletPerMin: number }) => {
    await app.register(rateLimit, {
      global: true,
      max: opts.ipPerMin,
      timeWindow: WINDOW_MS,
      keyGenerator: (request) => request.ip,
      errorResponseBuilder: (_request, context) =>
        new GatewayError(
          'GW_ERR_RATE_LIMITED',
          `Too many requests from this address; retry in ${Math.ceil(context.ttl / 1000)} s.`,
          {
            retryAfterS: Math.max(1, Math.ceil(context.ttl / 1000)),
          },
        ),
    });
    const perWallet = app.createRateLimit({
      max: opts.walletPerMin,
      timeWindow: WINDOW_MS,
      keyGenerator: (request) => `wallet:${request.wallet}`,
    });
    app.decorate('limitWallet', async (request: FastifyRequest, reply?: FastifyReply) => {
      const r = await perWallet(request);
      if (!r.isAllowed && r.isExceeded) {
        // The IP's remaining budget would mislead a client throttled for its wallet.
        for (const h of IP_LIMIT_HEADERS) reply?.removeHeader(h);
        throw new GatewayError('GW_ERR_RATE_LIMITED', 'Too many requests for this wallet.', {
          retryAfterS: Math.max(1, r.ttlInSeconds),
        });
      }
    });
  },
  { name: 'limits', dependencies: ['auth'] },
);
