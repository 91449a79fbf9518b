// Locks in the span of the interval metrics: contiguous from one publish to the next, so a late or
// skipped pool-health tick (a run still busy under load) neither loses a payment nor counts one
// twice; a worker's first run, or one after a long gap, covers the last interval only.
import { metricsWindow } from '../src/lib/metrics';

const S = 1_000;

describe('metricsWindow', () => {
  it('covers the last interval on a worker’s first run', () => {
    expect(metricsWindow(undefined, 100 * S, 2 * S)).toEqual({ from: 98 * S, to: 100 * S });
  });

  it('starts where the last published span ended, whatever the tick’s delay', () => {
    // Ticks at 100 s, 102.7 s (late), then 106 s (one skipped): no gap, no overlap.
    const first = metricsWindow(undefined, 100 * S, 2 * S);
    const late = metricsWindow(first.to, 102.7 * S, 2 * S);
    const afterSkip = metricsWindow(late.to, 106 * S, 2 * S);
    expect([late, afterSkip]).toEqual([
      { from: 100 * S, to: 102.7 * S },
      { from: 102.7 * S, to: 106 * S },
    ]);
  });

  it('falls back to one interval after a gap longer than the limit, or a clock that went back', () => {
    expect(metricsWindow(10 * S, 100 * S, 2 * S)).toEqual({ from: 98 * S, to: 100 * S });
    expect(metricsWindow(120 * S, 100 * S, 2 * S)).toEqual({ from: 98 * S, to: 100 * S });
  });
});
