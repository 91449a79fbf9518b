// Locks in when thread-cleanup closes a bus thread, and why.
import fc from 'fast-check';
import { MINUTE_MS, orphanReason, parseLifecycleSettings, threadIdleCutoff } from '../src';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const live = { hasDbRow: true, hasLiveSession: true, lastActivityAt: NOW - MINUTE_MS };

describe('orphaned thread rule', () => {
  it('keeps a recently active thread with a row and a live session', () => {
    expect(orphanReason(live, NOW)).toBeNull();
  });

  it('orphans a thread whose session has ended', () => {
    expect(orphanReason({ ...live, hasLiveSession: false }, NOW)).toBe('session_ended');
  });

  it('orphans a thread that has no database row', () => {
    expect(orphanReason({ ...live, hasDbRow: false }, NOW)).toBe('no_db_row');
  });

  it('reports a missing row before an ended session or idleness', () => {
    const thread = { hasDbRow: false, hasLiveSession: false, lastActivityAt: 0 };
    expect(orphanReason(thread, NOW)).toBe('no_db_row');
  });

  it('reports an ended session before idleness', () => {
    const thread = { ...live, hasLiveSession: false, lastActivityAt: 0 };
    expect(orphanReason(thread, NOW)).toBe('session_ended');
  });

  it('orphans a thread idle for exactly 30 minutes by default', () => {
    expect(orphanReason({ ...live, lastActivityAt: NOW - 30 * MINUTE_MS }, NOW)).toBe('idle');
  });

  it('keeps a thread idle for one millisecond less than 30 minutes', () => {
    expect(orphanReason({ ...live, lastActivityAt: NOW - 30 * MINUTE_MS + 1 }, NOW)).toBeNull();
  });

  it('puts the default cutoff 30 minutes before now', () => {
    expect(threadIdleCutoff(NOW)).toBe(NOW - 30 * MINUTE_MS);
  });

  it('uses a configured idle window', () => {
    const settings = parseLifecycleSettings({ threadIdleMs: 5 * MINUTE_MS });
    expect(threadIdleCutoff(NOW, settings)).toBe(NOW - 5 * MINUTE_MS);
    expect(orphanReason({ ...live, lastActivityAt: NOW - 5 * MINUTE_MS }, NOW, settings)).toBe(
      'idle',
    );
  });

  it('calls a live thread idle exactly when the query cutoff selects it', () => {
    const instant = fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) });
    fc.assert(
      fc.property(
        instant,
        instant,
        fc.integer({ min: 1, max: 10 ** 9 }),
        (lastActivityAt, now, threadIdleMs) => {
          const settings = { threadIdleMs };
          const reason = orphanReason({ ...live, lastActivityAt }, now, settings);
          expect(reason === 'idle').toBe(lastActivityAt <= threadIdleCutoff(now, settings));
        },
      ),
    );
  });
});
