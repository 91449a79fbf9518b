// Locks in that the gateway still reports Node's event-loop delay (nodejs_eventloop_lag_*) with
// the coarser sampling that spares an idle gateway a wake-up every 10 ms.
import { EVENT_LOOP_SAMPLE_MS, GatewayMetrics } from './metrics';

describe('GatewayMetrics', () => {
  it('reports the event-loop delay percentiles', async () => {
    const metrics = new GatewayMetrics();
    await new Promise((resolve) => setTimeout(resolve, 3 * EVENT_LOOP_SAMPLE_MS));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_mean_seconds \d/m);
  });
});
