// Locks in what a run reports and how it is judged: HdrHistogram percentiles overall and per
// window, errors by kind and their rate over requests plus awaited replies, timeouts counted at
// the timeout, pool samples; the verdict's strict limits and its refusal of a run with no replies.
import { LoadStats } from '../src/lib/stats';
import { describeVerdict, DESIGN_TARGETS, judge } from '../src/lib/verdict';

describe('LoadStats', () => {
  it('reports percentiles of send→reply times within HdrHistogram precision', () => {
    const stats = new LoadStats(1000);
    for (let v = 1; v <= 1000; v++) stats.reply(500, v * 10);
    const l = stats.summarize(10_000).latency;
    expect(l.count).toBe(1000);
    expect(l.p50Ms).toBeGreaterThanOrEqual(4995);
    expect(l.p50Ms).toBeLessThanOrEqual(5005);
    expect(l.p95Ms).toBeGreaterThanOrEqual(9495);
    expect(l.p95Ms).toBeLessThanOrEqual(9505);
    expect(l.p99Ms).toBeGreaterThanOrEqual(9895);
    expect(l.p99Ms).toBeLessThanOrEqual(9905);
    expect(l.maxMs).toBeGreaterThanOrEqual(9995);
  });

  it('splits the run into windows with their own counts, rates and percentiles', () => {
    const stats = new LoadStats(2000);
    stats.request(100);
    stats.request(1500, 'http_503:capacity_exhausted');
    stats.messageSent(1900);
    stats.reply(2100, 300);
    stats.activePlayers(2100, 7);
    stats.request(4100);
    const s = stats.summarize(6000);
    expect(s.timeline.map((p) => p.tS)).toEqual([0, 2, 4]);
    expect(s.timeline[0]).toMatchObject({
      requests: 2,
      errors: 1,
      errorsByKind: { 'http_503:capacity_exhausted': 1 },
      messagesSent: 1,
      replies: 0,
      requestsPerS: 1,
      p95Ms: null,
    });
    expect(s.timeline[1]).toMatchObject({
      replies: 1,
      repliesPerS: 0.5,
      p50Ms: 300,
      activePlayers: 7,
    });
    expect(s.throughput).toEqual({ requestsPerS: 0.5, messagesPerS: 0.167, repliesPerS: 0.167 });
  });

  it('judges the windows from a given time on: a slow, failing ramp-up is left out of them', () => {
    const stats = new LoadStats(5000);
    for (let i = 0; i < 50; i++) stats.reply(9000, 4000);
    stats.request(9500, 'http_503:capacity_exhausted');
    for (let i = 0; i < 100; i++) {
      stats.request(10_000 + i);
      stats.reply(12_000 + i, 1500 + i);
    }
    stats.replyTimeout(14_000, 10_000);
    const s = stats.summarize(20_000, 10_000);
    expect(s.latency.p95Ms).toBeGreaterThanOrEqual(3995);
    expect(s.judged.latency.p95Ms).toBeLessThan(1700);
    expect(s.judged).toMatchObject({
      fromS: 10,
      operations: 201,
      errors: 1,
      errorsByKind: { 'timeout:reply': 1 },
      replies: 100,
    });
    expect(s.judged.errorRate).toBeCloseTo(1 / 201, 6);
    expect(s.judged.latency.count).toBe(101);
    expect(s.judged.latency.p50Ms).toBeGreaterThanOrEqual(1548);
    expect(s.judged.latency.p50Ms).toBeLessThanOrEqual(1552);
    expect(s.judged.latency.maxMs).toBeGreaterThanOrEqual(9995);
    // A start inside a window judges from the next whole one; without one, the whole run.
    expect(stats.summarize(20_000, 7000).judged.fromS).toBe(10);
    expect(stats.summarize(20_000).judged).toMatchObject({ fromS: 0, operations: 252, errors: 2 });
  });

  it('counts a missing reply as a timeout error and at the timeout in the percentiles', () => {
    const stats = new LoadStats(1000);
    stats.request(0);
    stats.messageSent(0);
    stats.replyTimeout(10_000, 10_000);
    const s = stats.summarize(10_000);
    expect(s.errorsByKind).toEqual({ 'timeout:reply': 1 });
    expect(s.totals).toMatchObject({
      requests: 1,
      operations: 2,
      errors: 1,
      replyTimeouts: 1,
      replies: 0,
    });
    expect(s.errorRate).toBe(0.5);
    expect(s.latency.p99Ms).toBeGreaterThanOrEqual(9995);
  });

  it('orders error kinds by count and computes the rate over requests and replies', () => {
    const stats = new LoadStats(1000);
    for (let i = 0; i < 96; i++) stats.request(i);
    stats.request(1, 'network:ECONNREFUSED');
    stats.request(2, 'http_429:rate_limited');
    stats.request(3, 'http_429:rate_limited');
    stats.request(4, 'timeout:request');
    for (let i = 0; i < 100; i++) stats.reply(i, 100);
    const s = stats.summarize(1000);
    expect(Object.keys(s.errorsByKind)).toEqual([
      'http_429:rate_limited',
      'network:ECONNREFUSED',
      'timeout:request',
    ]);
    expect(s.errorRate).toBeCloseTo(4 / 200, 10);
  });

  it('keeps pool samples with capacities and players per pool', () => {
    const stats = new LoadStats(1000);
    stats.pools(
      1500,
      [
        { pool: 'pool-0', activeThreads: 4, capacity: 30 },
        { pool: 'pool-1', activeThreads: 0, capacity: 30 },
      ],
      { 'pool-0': 3 },
    );
    const s = stats.summarize(2000);
    expect(s.pools).toEqual({
      capacity: { 'pool-0': 30, 'pool-1': 30 },
      samples: [{ tS: 1.5, activeThreads: { 'pool-0': 4, 'pool-1': 0 }, players: { 'pool-0': 3 } }],
    });
  });

  it('counts journeys by kind and refuses a zero window', () => {
    const stats = new LoadStats(1000);
    stats.journey('new');
    stats.journey('new');
    stats.journey('leaderboard');
    expect(stats.summarize(1000).totals.journeys).toEqual({ new: 2, leaderboard: 1 });
    expect(() => new LoadStats(0)).toThrow(RangeError);
  });
});

describe('verdict', () => {
  const good = { p95Ms: 2999, p99Ms: 4999, errorRate: 0.0099, replies: 10 };

  it('passes a run strictly inside the design targets', () => {
    expect(DESIGN_TARGETS).toEqual({ p95Ms: 3000, p99Ms: 5000, errorRate: 0.01 });
    const v = judge(good);
    expect(v.pass).toBe(true);
    expect(v.checks.map((c) => c.name)).toEqual(['replies', 'p95', 'p99', 'errorRate']);
  });

  it('fails a run at or over any target, naming the check', () => {
    for (const [field, value, name] of [
      ['p95Ms', 3000, 'p95'],
      ['p99Ms', 5000, 'p99'],
      ['errorRate', 0.01, 'errorRate'],
    ] as const) {
      const v = judge({ ...good, [field]: value });
      expect(v.pass).toBe(false);
      expect(v.checks.filter((c) => !c.pass).map((c) => c.name)).toEqual([name]);
    }
  });

  it('fails a run that measured no reply at all', () => {
    const v = judge({ p95Ms: 0, p99Ms: 0, errorRate: 0, replies: 0 });
    expect(v.pass).toBe(false);
    expect(v.checks.find((c) => !c.pass)?.name).toBe('replies');
  });

  it('describes each check on one line', () => {
    expect(describeVerdict(judge({ ...good, p99Ms: 6200 }))).toEqual([
      'PASS  replies   10 >= 1',
      'PASS  p95       2999 ms < 3000 ms',
      'FAIL  p99       6200 ms < 5000 ms',
      'PASS  errorRate 0.99 % < 1.00 %',
    ]);
  });
});
