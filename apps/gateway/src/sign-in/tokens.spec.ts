// Locks in that remembering verified tokens changes no answer: a cached token still expires on
// time, a token signed with another secret or forged stays refused, and the wallet is the token's.
import jwt from 'jsonwebtoken';
import { GatewayError } from '../errors';
import { issueToken, verifyToken } from './tokens';

const SECRET = 'tokens-spec-secret-0123456789abcdef';
const WALLET = '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof GatewayError ? err.code : 'not a GatewayError';
  }
  return undefined;
}

describe('verifyToken', () => {
  it('answers the wallet, again and again, until the token expires to the millisecond', () => {
    const issuedAt = Date.UTC(2026, 10, 28, 12, 0, 0);
    const { token, expiresAt } = issueToken(SECRET, WALLET, 60, issuedAt);
    expect(verifyToken(SECRET, token, issuedAt)).toBe(WALLET);
    expect(verifyToken(SECRET, token, expiresAt.getTime() - 1)).toBe(WALLET);
    expect(codeOf(() => verifyToken(SECRET, token, expiresAt.getTime()))).toBe(
      'GW_ERR_TOKEN_EXPIRED',
    );
    // Still refused after the expired attempt evicted the remembered answer.
    expect(codeOf(() => verifyToken(SECRET, token, expiresAt.getTime() + 1))).toBe(
      'GW_ERR_TOKEN_EXPIRED',
    );
  });

  it('refuses a remembered token under another secret, and a token with a changed payload', () => {
    const now = Date.now();
    const { token } = issueToken(SECRET, WALLET, 60, now);
    expect(verifyToken(SECRET, token, now)).toBe(WALLET);
    expect(codeOf(() => verifyToken(`${SECRET}-other`, token, now))).toBe('GW_ERR_UNAUTHORIZED');
    const [head, , signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: 'someone-else', iat: 1, exp: 9_999_999_999, iss: 'pardon-gateway' }),
    ).toString('base64url');
    expect(codeOf(() => verifyToken(SECRET, `${head}.${forged}.${signature}`, now))).toBe(
      'GW_ERR_UNAUTHORIZED',
    );
  });
});

describe('verifyToken refuses tokens this gateway would not have issued', () => {
  const sign = (payload: object) =>
    jwt.sign(payload, SECRET, { algorithm: 'HS256', issuer: 'pardon-gateway' });

  it('refuses a correctly signed token without exp', () => {
    const token = sign({ sub: WALLET, iat: Math.floor(Date.now() / 1000) });
    expect(codeOf(() => verifyToken(SECRET, token, Date.now(), 3600))).toBe('GW_ERR_UNAUTHORIZED');
    // Still refused when asked again (nothing was remembered).
    expect(codeOf(() => verifyToken(SECRET, token))).toBe('GW_ERR_UNAUTHORIZED');
  });

  it('refuses exp more than TOKEN_TTL_S ahead, accepts the lifetime it issues', () => {
    const now = Date.now();
    const iat = Math.floor(now / 1000);
    const tooLong = sign({ sub: WALLET, iat, exp: iat + 10 * 3600 });
    expect(codeOf(() => verifyToken(SECRET, tooLong, now, 3600))).toBe('GW_ERR_UNAUTHORIZED');
    const { token } = issueToken(SECRET, WALLET, 3600, now);
    expect(verifyToken(SECRET, token, now, 3600)).toBe(WALLET);
  });
});
