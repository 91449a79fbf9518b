import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../errors';

const ISSUER = 'pardon-gateway';
const VERIFIED_CACHE_SIZE = 20_000;

const keys = new Map<string, KeyObject>();

/**
 * The secret as a KeyObject, made once: given a string, jsonwebtoken first tries to parse it as a
 * PEM public key (createPublicKey, which throws) on every verify — measured as the gateway's
 * largest single CPU cost per player request in the benchmark.
 */
function secretKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

/** Issues the short-lived HS256 bearer token a signed-in wallet uses on every player route. */
export function issueToken(
  secret: string,
  wallet: string,
  ttlS: number,
  now = Date.now(),
): { token: string; expiresAt: Date } {
  const iat = Math.floor(now / 1000);
  const token = jwt.sign({ sub: wallet, iat, exp: iat + ttlS }, secretKey(secret), {
    algorithm: 'HS256',
    issuer: ISSUER,
  });
  return { token, expiresAt: new Date((iat + ttlS) * 1000) };
}

/**
 * Tokens already verified, by secret and token, with the wallet and the expiry: a player sends
 * the same token on every request, and a verified signature stays verified. A remembered token
 * is answered from here only before its `exp`; at or after it the entry is dropped and jsonwebtoken
 * answers (401 expired), so expiry stays exact.
 */
const verified = new LRUCache<string, { wallet: string; expMs: number }>({
  max: VERIFIED_CACHE_SIZE,
});

/** Clock skew between tasks allowed on `exp` beyond the token lifetime. */
const EXP_SKEW_S = 60;

/**
 * Returns the wallet a token was issued to, or throws the matching 401. A token must carry a
 * numeric `exp`, at most `maxTtlS` (TOKEN_TTL_S, plus a minute of clock skew) ahead: a token
 * without one, or one minted to live longer than this gateway issues, is refused.
 */
export function verifyToken(
  secret: string,
  token: string,
  now = Date.now(),
  maxTtlS = Number.POSITIVE_INFINITY,
): string {
  const cacheKey = `${secret}\u0000${token}`;
  const hit = verified.get(cacheKey);
  if (hit && hit.expMs > now) return hit.wallet;
  if (hit) verified.delete(cacheKey);
  try {
    const payload = jwt.verify(token, secretKey(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      clockTimestamp: Math.floor(now / 1000),
    });
    if (typeof payload === 'string' || typeof payload.sub !== 'string') {
      throw new GatewayError('GW_ERR_UNAUTHORIZED');
    }
    if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) {
      throw new GatewayError('GW_ERR_UNAUTHORIZED', 'The bearer token carries no expiry.');
    }
    if (payload.exp - now / 1000 > maxTtlS + EXP_SKEW_S) {
      throw new GatewayError('GW_ERR_UNAUTHORIZED', 'The bearer token lives longer than allowed.');
    }
    verified.set(cacheKey, { wallet: payload.sub, expMs: payload.exp * 1000 });
    return payload.sub;
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    if (err instanceof jwt.TokenExpiredError) throw new GatewayError('GW_ERR_TOKEN_EXPIRED');
    throw new GatewayError('GW_ERR_UNAUTHORIZED', 'The bearer token is invalid.');
  }
}
