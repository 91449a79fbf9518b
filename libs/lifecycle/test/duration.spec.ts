// Locks in the duration text that settings and schedules accept.
import { HOUR_MS, MINUTE_MS, parseDurationMs } from '../src';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 15 * MINUTE_MS],
    ['1h', HOUR_MS],
    ['900000', 900_000],
    [' 2h ', 2 * HOUR_MS],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '0m', '-5m', '1.5h', '15 m', '15min', 'm', '1d', '99999999999999999h'])(
    'rejects %j with null',
    (text) => {
      expect(parseDurationMs(text)).toBeNull();
    },
  );
});
