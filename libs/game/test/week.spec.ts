// Locks in the week: start instant, ids as ISO start instants, boundaries, New Year, custom starts.
import fc from 'fast-check';
import {
  DEFAULT_GAME_RULES,
  formatWeekId,
  GameInputError,
  nextWeek,
  parseWeekId,
  previousWeek,
  WEEK_MS,
  weekOf,
  type GameRules,
} from '../src';

const sundayMidnight: GameRules = {
  ...DEFAULT_GAME_RULES,
  weekStart: { weekdayUtc: 0, hourUtc: 0, minuteUtc: 0 },
};

describe('weekOf', () => {
  it('opens a new week exactly at Monday 14:00 UTC; one ms before is the previous week', () => {
    const start = Date.UTC(2026, 10, 30, 14, 0);
    expect(weekOf(start)).toEqual({
      id: '2026-11-30T14:00Z',
      startMs: start,
      endMs: start + WEEK_MS,
    });
    expect(weekOf(start - 1).id).toBe('2026-11-23T14:00Z');
    expect(weekOf(start + WEEK_MS - 1).id).toBe('2026-11-30T14:00Z');
    expect(weekOf(start + WEEK_MS).id).toBe('2026-12-07T14:00Z');
  });

  it('keeps a week across New Year 2025/2026 under its start instant, not an ISO week number', () => {
    // 2025-12-29 is a Monday; the week runs to Monday 2026-01-05 14:00.
    expect(weekOf(Date.UTC(2025, 11, 31, 23, 59, 59, 999)).id).toBe('2025-12-29T14:00Z');
    expect(weekOf(Date.UTC(2026, 0, 1, 0, 0)).id).toBe('2025-12-29T14:00Z');
    expect(weekOf(Date.UTC(2026, 0, 5, 13, 59, 59, 999)).id).toBe('2025-12-29T14:00Z');
    expect(weekOf(Date.UTC(2026, 0, 5, 14, 0)).id).toBe('2026-01-05T14:00Z');
  });

  it('is the previous week on Monday morning before 14:00', () => {
    expect(weekOf(Date.UTC(2026, 11, 7, 9, 0)).id).toBe('2026-11-30T14:00Z');
  });

  it('follows a non-default start: Sunday 00:00 UTC', () => {
    const sunday = Date.UTC(2026, 0, 4); // a Sunday
    expect(weekOf(sunday, sundayMidnight).id).toBe('2026-01-04T00:00Z');
    expect(weekOf(sunday - 1, sundayMidnight).id).toBe('2025-12-28T00:00Z');
    expect(weekOf(Date.UTC(2026, 0, 1, 12), sundayMidnight).id).toBe('2025-12-28T00:00Z');
  });

  it('refuses instants that are not integer ms in range', () => {
    for (const bad of [NaN, 1.5, -1, Number.MAX_SAFE_INTEGER]) {
      expect(() => weekOf(bad)).toThrow(GameInputError);
    }
  });

  it('contains its instant, starts on the configured weekday and time, and lasts 7 days (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2200, 0, 1) }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (t, weekdayUtc, hourUtc, minuteUtc) => {
          const rules = { ...DEFAULT_GAME_RULES, weekStart: { weekdayUtc, hourUtc, minuteUtc } };
          const w = weekOf(t, rules);
          const start = new Date(w.startMs);
          return (
            w.startMs <= t &&
            t < w.endMs &&
            w.endMs - w.startMs === WEEK_MS &&
            start.getUTCDay() === weekdayUtc &&
            start.getUTCHours() === hourUtc &&
            start.getUTCMinutes() === minuteUtc &&
            start.getUTCSeconds() === 0 &&
            weekOf(w.startMs, rules).id === w.id &&
            weekOf(w.startMs - 1, rules).endMs === w.startMs &&
            parseWeekId(w.id, rules).startMs === w.startMs
          );
        },
      ),
    );
  });
});

describe('week ids', () => {
  it('formats the start instant to the minute with Z', () => {
    expect(formatWeekId(Date.UTC(2026, 10, 30, 14, 0))).toBe('2026-11-30T14:00Z');
  });

  it('parses an id back to its week', () => {
    expect(parseWeekId('2026-11-30T14:00Z')).toEqual(weekOf(Date.UTC(2026, 10, 30, 14)));
  });

  it('refuses ids that are not the canonical start of a week under the rules', () => {
    for (const bad of [
      '2026-W49',
      '2026-11-30',
      '2026-11-30T14:00:00Z',
      '2026-11-30T14:00:00.000Z',
      '2026-11-30T14:00',
      '2026-12-01T14:00Z', // a Tuesday
      '2026-11-30T15:00Z',
      '2026-02-30T14:00Z',
      ' 2026-11-30T14:00Z',
    ]) {
      expect(() => parseWeekId(bad)).toThrow(GameInputError);
    }
    expect(() => parseWeekId('2026-11-30T14:00Z', sundayMidnight)).toThrow(/not a week start/);
  });

  it('steps to the next and previous week, across New Year', () => {
    expect(nextWeek('2025-12-29T14:00Z').id).toBe('2026-01-05T14:00Z');
    expect(previousWeek('2026-01-05T14:00Z').id).toBe('2025-12-29T14:00Z');
    expect(nextWeek(weekOf(Date.UTC(2026, 10, 30, 14))).id).toBe('2026-12-07T14:00Z');
    expect(previousWeek('2026-01-04T00:00Z', sundayMidnight).id).toBe('2025-12-28T00:00Z');
  });
});
