// Locks in the duration grammar of the CLI (5m, 15s, 1500ms, 1m30s, bare seconds) and its inverse.
import { formatDuration, parseDuration } from '../src/lib/duration';

describe('parseDuration', () => {
  it('reads milliseconds, seconds, minutes, hours and combinations', () => {
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('0.5s')).toBe(500);
  });

  it('reads a bare number as seconds', () => {
    expect(parseDuration('30')).toBe(30_000);
  });

  it('refuses text that is not a duration', () => {
    for (const bad of ['', 'five minutes', '5 m', '5mx', 'm5', '-5s']) {
      expect(() => parseDuration(bad)).toThrow(RangeError);
    }
  });

  it('formats durations back into the same grammar', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(15_000)).toBe('15s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(parseDuration(formatDuration(3_723_000))).toBe(3_723_000);
  });
});
