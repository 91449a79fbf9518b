import { IssuedNonces } from './issued-nonces';

const row = (n: number) => ({
  nonce: `nonce-${n}`,
  wallet: 'w',
  message: `sign in nonce-${n}`,
  expiresAt: new Date(0),
});

describe('IssuedNonces', () => {
  test('answers a remembered nonce as unused until it is forgotten', () => {
    const issued = new IssuedNonces();
    issued.remember(row(1));
    expect(issued.get('nonce-1')).toEqual({ ...row(1), usedAt: null });
    issued.forget('nonce-1');
    expect(issued.get('nonce-1')).toBeUndefined();
  });

  test('holds at most its bound, forgetting the oldest first', () => {
    const issued = new IssuedNonces(3);
    for (let n = 1; n <= 5; n++) issued.remember(row(n));
    expect(issued.size).toBe(3);
    expect(issued.get('nonce-2')).toBeUndefined();
    expect(issued.get('nonce-3')?.nonce).toBe('nonce-3');
    expect(issued.get('nonce-5')?.nonce).toBe('nonce-5');
  });
});
