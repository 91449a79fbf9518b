// Locks in pool health classification (healthy / degraded / unhealthy) and the fleet summary.
import fc from 'fast-check';
import { classifyPoolHealth, summarizePoolHealth, type PoolHealthInput } from '../src';

const AGENTS = ['cz', 'sbf', 'trump-donald', 'trump-melania', 'trump-eric', 'trump-barron'];
const pool = (overrides: Partial<PoolHealthInput> = {}): PoolHealthInput => ({
  requiredAgents: AGENTS,
  connectedAgents: AGENTS,
  activeThreads: 10,
  capacity: 30,
  threshold: 0.9,
  ...overrides,
});

describe('classifyPoolHealth', () => {
  it('calls a pool healthy when every agent is connected and load is under the threshold', () => {
    expect(classifyPoolHealth(pool())).toEqual({
      status: 'healthy',
      missingAgents: [],
      load: 10 / 30,
    });
  });

  it('calls a pool just below 90 % load healthy', () => {
    expect(classifyPoolHealth(pool({ activeThreads: 26 })).status).toBe('healthy');
    expect(classifyPoolHealth(pool({ activeThreads: 899, capacity: 1000 })).status).toBe('healthy');
  });

  it('calls a pool at exactly 90 % load degraded', () => {
    expect(classifyPoolHealth(pool({ activeThreads: 27 }))).toEqual({
      status: 'degraded',
      missingAgents: [],
      load: 0.9,
    });
    expect(classifyPoolHealth(pool({ activeThreads: 900, capacity: 1000 })).status).toBe(
      'degraded',
    );
  });

  it('calls a pool degraded and names the missing agents when some are disconnected', () => {
    const health = classifyPoolHealth(pool({ connectedAgents: ['cz', 'sbf', 'stray'] }));
    expect(health.status).toBe('degraded');
    expect(health.missingAgents).toEqual([
      'trump-donald',
      'trump-melania',
      'trump-eric',
      'trump-barron',
    ]);
  });

  it('calls a pool with zero connected agents unhealthy', () => {
    expect(classifyPoolHealth(pool({ connectedAgents: [] }))).toEqual({
      status: 'unhealthy',
      missingAgents: AGENTS,
      load: 10 / 30,
    });
  });

  it('calls a full pool unhealthy, also when over capacity', () => {
    expect(classifyPoolHealth(pool({ activeThreads: 30 })).status).toBe('unhealthy');
    expect(classifyPoolHealth(pool({ activeThreads: 31 })).load).toBeCloseTo(31 / 30);
    expect(classifyPoolHealth(pool({ activeThreads: 31 })).status).toBe('unhealthy');
  });

  it('calls a pool with no capacity full and unhealthy, with load 1', () => {
    expect(classifyPoolHealth(pool({ activeThreads: 0, capacity: 0 }))).toEqual({
      status: 'unhealthy',
      missingAgents: [],
      load: 1,
    });
  });

  it('honours a configured threshold', () => {
    expect(classifyPoolHealth(pool({ activeThreads: 15, threshold: 0.5 })).status).toBe('degraded');
    expect(classifyPoolHealth(pool({ activeThreads: 29, threshold: 1 })).status).toBe('healthy');
  });

  it.each([
    [{ activeThreads: -1 }, /activeThreads/],
    [{ activeThreads: 1.5 }, /activeThreads/],
    [{ capacity: Number.NaN }, /capacity/],
    [{ capacity: -3 }, /capacity/],
    [{ threshold: 0 }, /threshold/],
    [{ threshold: 1.1 }, /threshold/],
    [{ threshold: Number.NaN }, /threshold/],
  ])('rejects impossible input %j', (overrides, message) => {
    expect(() => classifyPoolHealth(pool(overrides))).toThrow(RangeError);
    expect(() => classifyPoolHealth(pool(overrides))).toThrow(message);
  });

  it('never reports a better status for more load or fewer connected agents', () => {
    const rank = { healthy: 0, degraded: 1, unhealthy: 2 } as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 50 }),
        fc.subarray(AGENTS),
        fc.subarray(AGENTS),
        (active, extra, capacity, connected, dropped) => {
          const base = classifyPoolHealth(
            pool({ activeThreads: active, capacity, connectedAgents: connected }),
          );
          const worse = classifyPoolHealth(
            pool({
              activeThreads: active + extra,
              capacity,
              connectedAgents: connected.filter((a) => !dropped.includes(a)),
            }),
          );
          expect(rank[worse.status]).toBeGreaterThanOrEqual(rank[base.status]);
        },
      ),
    );
  });
});

describe('summarizePoolHealth', () => {
  it('counts pools per status and lists the unhealthy and degraded ones sorted', () => {
    expect(
      summarizePoolHealth({
        'pool-3': { status: 'unhealthy' },
        'pool-0': { status: 'healthy' },
        'pool-2': { status: 'degraded' },
        'pool-1': { status: 'unhealthy' },
        'pool-4': { status: 'healthy' },
      }),
    ).toEqual({
      total: 5,
      counts: { healthy: 2, degraded: 1, unhealthy: 2 },
      noneHealthy: false,
      degradedPools: ['pool-2'],
      unhealthyPools: ['pool-1', 'pool-3'],
    });
  });

  it('flags a fleet where no pool is healthy', () => {
    const summary = summarizePoolHealth({
      'pool-0': { status: 'degraded' },
      'pool-1': { status: 'unhealthy' },
    });
    expect(summary.noneHealthy).toBe(true);
  });

  it('flags an empty fleet as having no healthy pool', () => {
    expect(summarizePoolHealth({})).toEqual({
      total: 0,
      counts: { healthy: 0, degraded: 0, unhealthy: 0 },
      noneHealthy: true,
      degradedPools: [],
      unhealthyPools: [],
    });
  });

  it('summarises classifications directly', () => {
    const summary = summarizePoolHealth({
      'pool-0': classifyPoolHealth(pool()),
      'pool-1': classifyPoolHealth(pool({ connectedAgents: [] })),
    });
    expect(summary.counts).toEqual({ healthy: 1, degraded: 0, unhealthy: 1 });
  });
});
