// Locks in the session expiry boundary: idle for exactly the window is expired, one ms less is
// not, and the SQL cutoff agrees with the predicate everywhere.
import fc from 'fast-check';
import {
  DEFAULT_LIFECYCLE_SETTINGS,
  MINUTE_MS,
  isSessionExpired,
  parseLifecycleSettings,
  sessionExpiryCutoff,
} from '../src';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

describe('session expiry', () => {
  it('expires a session idle for exactly 60 minutes by default', () => {
    expect(isSessionExpired({ lastActivityAt: NOW - 60 * MINUTE_MS }, NOW)).toBe(true);
  });

  it('keeps a session idle for one millisecond less than 60 minutes', () => {
    expect(isSessionExpired({ lastActivityAt: NOW - 60 * MINUTE_MS + 1 }, NOW)).toBe(false);
  });

  it('puts the cutoff exactly one idle window before now', () => {
    expect(sessionExpiryCutoff(NOW)).toBe(NOW - 60 * MINUTE_MS);
  });

  it('uses a configured idle window instead of the default', () => {
    const settings = parseLifecycleSettings({ sessionIdleMs: '10m' });
    expect(isSessionExpired({ lastActivityAt: NOW - 10 * MINUTE_MS }, NOW, settings)).toBe(true);
    expect(isSessionExpired({ lastActivityAt: NOW - 10 * MINUTE_MS + 1 }, NOW, settings)).toBe(
      false,
    );
    expect(sessionExpiryCutoff(NOW, settings)).toBe(NOW - 10 * MINUTE_MS);
  });

  it('never expires a session whose activity is in the future of now', () => {
    expect(isSessionExpired({ lastActivityAt: NOW + 1 }, NOW)).toBe(false);
  });

  const instant = fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) });
  const window = fc.integer({ min: 1, max: 7 * 24 * 60 * MINUTE_MS });

  it('agrees with the cutoff a query uses, for any times and idle window', () => {
    fc.assert(
      fc.property(instant, instant, window, (lastActivityAt, now, sessionIdleMs) => {
        const settings = { sessionIdleMs };
        expect(isSessionExpired({ lastActivityAt }, now, settings)).toBe(
          lastActivityAt <= sessionExpiryCutoff(now, settings),
        );
        expect(isSessionExpired({ lastActivityAt }, now, settings)).toBe(
          now - lastActivityAt >= sessionIdleMs,
        );
      }),
    );
  });

  it('stays expired as time moves on: the predicate is monotonic in now', () => {
    fc.assert(
      fc.property(instant, instant, fc.nat(10 ** 10), (lastActivityAt, now, later) => {
        const session = { lastActivityAt };
        if (isSessionExpired(session, now, DEFAULT_LIFECYCLE_SETTINGS)) {
          expect(isSessionExpired(session, now + later, DEFAULT_LIFECYCLE_SETTINGS)).toBe(true);
        }
      }),
    );
  });
});
