import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError, type GatewayErrorCode } from '../errors';

/** Reads a bearer credential, or undefined when the header is absent or not a bearer. */
export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Compares a presented secret with the configured one in constant time. Both sides are hashed
 * first, so the comparison always runs over two equal-length digests: neither the secret's
 * length nor a non-ASCII credential changes how it is answered.
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * A preHandler that admits only `Authorization: Bearer <secret>`. Without a configured secret
 * the routes it guards are disabled (`whenUnset`), never open.
 */
export function requireBearer(options: {
  secret: string | undefined;
  whenUnset: GatewayErrorCode;
  whenUnsetMessage?: string;
  unauthorizedMessage: string;
}): (request: FastifyRequest) => Promise<void> {
  const { secret } = options;
  return async (request) => {
    if (secret === undefined) throw new GatewayError(options.whenUnset, options.whenUnsetMessage);
    if (!sameSecret(bearerOf(request), secret)) {
      throw new GatewayError('GW_ERR_UNAUTHORIZED', options.unauthorizedMessage);
    }
  };
}
