import { build, type Histogram } from 'hdr-histogram-js';

/** Latencies are kept in whole ms from 1 ms to 10 min, 3 significant digits (HdrHistogram). */
const HISTOGRAM = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 600_000,
  numberOfSignificantValueDigits: 3,
  bitBucketSize: 32,
} as const;

function newHistogram(): Histogram {
  return build(HISTOGRAM);
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface TimelinePoint {
  /** Start of the window, seconds from the run's start. */
  tS: number;
  activePlayers: number;
  requests: number;
  errors: number;
  errorsByKind: Record<string, number>;
  messagesSent: number;
  replies: number;
  requestsPerS: number;
  repliesPerS: number;
  /** Send→reply percentiles of the replies that arrived in this window (null when none did). */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface PoolSample {
  tS: number;
  /** Open threads per pool as the gateway's /health reports them. */
  activeThreads: Record<string, number>;
  /** Virtual players inside a conversation per pool (from their sessions' pool). */
  players: Record<string, number>;
}

export interface StatsSummary {
  durationS: number;
  totals: {
    requests: number;
    /** Requests plus awaited replies: the denominator of the error rate. */
    operations: number;
    errors: number;
    messagesSent: number;
    replies: number;
    replyTimeouts: number;
    journeys: Record<string, number>;
  };
  errorRate: number;
  errorsByKind: Record<string, number>;
  throughput: { requestsPerS: number; messagesPerS: number; repliesPerS: number };
  latency: LatencySummary;
  /** What the verdict judges: the run from `fromS` on (see {@link LoadStats.summarize}). */
  judged: JudgedWindow;
  timeline: TimelinePoint[];
  pools: { capacity: Record<string, number>; samples: PoolSample[] };
}

/** The operations of the time windows from `fromS` on: what a verdict over that part judges. */
export interface JudgedWindow {
  fromS: number;
  operations: number;
  errors: number;
  errorRate: number;
  errorsByKind: Record<string, number>;
  replies: number;
  latency: LatencySummary;
}

interface Bucket {
  activePlayers: number;
  requests: number;
  errors: number;
  errorsByKind: Map<string, number>;
  messagesSent: number;
  replies: number;
  replyTimeouts: number;
  histogram: Histogram | undefined;
}

function latencyOf(h: Histogram): LatencySummary {
  return {
    count: h.totalCount,
    p50Ms: h.totalCount ? h.getValueAtPercentile(50) : 0,
    p95Ms: h.totalCount ? h.getValueAtPercentile(95) : 0,
    p99Ms: h.totalCount ? h.getValueAtPercentile(99) : 0,
    maxMs: h.totalCount ? h.maxValue : 0,
    meanMs: h.totalCount ? Math.round(h.mean) : 0,
  };
}

/** Error counts by kind, the most frequent first (ties by name). */
const sortedKinds = (kinds: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));

const clampMs = (ms: number) =>
  Math.min(HISTOGRAM.highestTrackableValue, Math.max(1, Math.round(ms)));

/**
 * Everything a run measures, in time windows of `bucketMs` from the run's start: requests and
 * errors by kind, messages and replies, send→reply latency in HdrHistograms (one for the run, one
 * per window), active players and pool load samples. Times passed in are ms since the start.
 */
export class LoadStats {
  private readonly buckets: Bucket[] = [];
  private readonly overall = newHistogram();
  private readonly errorsByKind = new Map<string, number>();
  private readonly journeys = new Map<string, number>();
  private readonly poolSamples: PoolSample[] = [];
  private readonly capacity: Record<string, number> = {};
  private requests = 0;
  private errors = 0;
  private messagesSent = 0;
  private replies = 0;
  private replyTimeouts = 0;

  constructor(readonly bucketMs: number) {
    if (!(bucketMs > 0)) throw new RangeError(`bucketMs must be > 0, got ${bucketMs}`);
  }

  private bucket(atMs: number): Bucket {
    const index = Math.max(0, Math.floor(atMs / this.bucketMs));
    while (this.buckets.length <= index) {
      this.buckets.push({
        activePlayers: 0,
        requests: 0,
        errors: 0,
        errorsByKind: new Map(),
        messagesSent: 0,
        replies: 0,
        replyTimeouts: 0,
        histogram: undefined,
      });
    }
    return this.buckets[index] as Bucket;
  }

  get requestCount(): number {
    return this.requests;
  }

  get errorCount(): number {
    return this.errors;
  }

  get replyCount(): number {
    return this.replies;
  }

  /** An HTTP request that completed; `errorKind` when it failed (see classify in client.ts). */
  request(atMs: number, errorKind?: string): void {
    this.requests += 1;
    this.bucket(atMs).requests += 1;
    if (errorKind) this.error(atMs, errorKind);
  }

  private error(atMs: number, kind: string): void {
    this.errors += 1;
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1);
    const b = this.bucket(atMs);
    b.errors += 1;
    b.errorsByKind.set(kind, (b.errorsByKind.get(kind) ?? 0) + 1);
  }

  messageSent(atMs: number): void {
    this.messagesSent += 1;
    this.bucket(atMs).messagesSent += 1;
  }

  /** An agent reply arrived `latencyMs` after its message was sent. */
  reply(atMs: number, latencyMs: number): void {
    this.replies += 1;
    const b = this.bucket(atMs);
    b.replies += 1;
    b.histogram ??= newHistogram();
    b.histogram.recordValue(clampMs(latencyMs));
    this.overall.recordValue(clampMs(latencyMs));
  }

  /**
   * No reply within `timeoutMs`: an error of kind `timeout:reply`, and a latency of `timeoutMs` —
   * a lower bound of the truth, so that a run whose replies never come cannot show good percentiles.
   */
  replyTimeout(atMs: number, timeoutMs: number): void {
    this.replyTimeouts += 1;
    this.error(atMs, 'timeout:reply');
    const b = this.bucket(atMs);
    b.replyTimeouts += 1;
    b.histogram ??= newHistogram();
    b.histogram.recordValue(clampMs(timeoutMs));
    this.overall.recordValue(clampMs(timeoutMs));
  }

  journey(kind: string): void {
    this.journeys.set(kind, (this.journeys.get(kind) ?? 0) + 1);
  }

  activePlayers(atMs: number, count: number): void {
    const b = this.bucket(atMs);
    b.activePlayers = Math.max(b.activePlayers, count);
  }

  pools(
    atMs: number,
    health: Array<{ pool: string; activeThreads: number; capacity: number }>,
    players: Record<string, number>,
  ): void {
    const activeThreads: Record<string, number> = {};
    for (const p of health) {
      activeThreads[p.pool] = p.activeThreads;
      this.capacity[p.pool] = p.capacity;
    }
    this.poolSamples.push({ tS: round3(atMs / 1000), activeThreads, players: { ...players } });
  }

  /** Latency of the replies so far (for progress displays). */
  latency(): LatencySummary {
    return latencyOf(this.overall);
  }

  /**
   * The windows that start at or after `fromMs` (a reply counts in the window it arrived in), so a
   * verdict can judge a run's steady state without its ramp-up.
   */
  private judgedFrom(fromMs: number): JudgedWindow {
    const first = Math.ceil(fromMs / this.bucketMs);
    const kept = this.buckets.slice(first);
    const histogram = newHistogram();
    for (const b of kept) if (b.histogram) histogram.add(b.histogram);
    const sum = (f: (b: Bucket) => number) => kept.reduce((a, b) => a + f(b), 0);
    const operations = sum((b) => b.requests + b.replies + b.replyTimeouts);
    const errors = sum((b) => b.errors);
    const byKind = new Map<string, number>();
    for (const b of kept)
      for (const [k, n] of b.errorsByKind) byKind.set(k, (byKind.get(k) ?? 0) + n);
    return {
      fromS: round3((first * this.bucketMs) / 1000),
      operations,
      errors,
      errorRate: operations ? errors / operations : 0,
      errorsByKind: sortedKinds(byKind),
      replies: sum((b) => b.replies),
      latency: latencyOf(histogram),
    };
  }

  /** The run's figures; the verdict's window starts at `judgedFromMs` (default: the start). */
  summarize(durationMs: number, judgedFromMs = 0): StatsSummary {
    const durationS = Math.max(durationMs, 1) / 1000;
    const bucketS = this.bucketMs / 1000;
    const timeline = this.buckets.map((b, i): TimelinePoint => {
      const l = b.histogram ? latencyOf(b.histogram) : undefined;
      return {
        tS: round3(i * bucketS),
        activePlayers: b.activePlayers,
        requests: b.requests,
        errors: b.errors,
        errorsByKind: Object.fromEntries(b.errorsByKind),
        messagesSent: b.messagesSent,
        replies: b.replies,
        requestsPerS: round3(b.requests / bucketS),
        repliesPerS: round3(b.replies / bucketS),
        p50Ms: l ? l.p50Ms : null,
        p95Ms: l ? l.p95Ms : null,
        p99Ms: l ? l.p99Ms : null,
      };
    });
    const operations = this.requests + this.replies + this.replyTimeouts;
    return {
      durationS: round3(durationS),
      totals: {
        requests: this.requests,
        operations,
        errors: this.errors,
        messagesSent: this.messagesSent,
        replies: this.replies,
        replyTimeouts: this.replyTimeouts,
        journeys: Object.fromEntries(this.journeys),
      },
      errorRate: operations ? this.errors / operations : 0,
      errorsByKind: sortedKinds(this.errorsByKind),
      throughput: {
        requestsPerS: round3(this.requests / durationS),
        messagesPerS: round3(this.messagesSent / durationS),
        repliesPerS: round3(this.replies / durationS),
      },
      latency: latencyOf(this.overall),
      judged: this.judgedFrom(judgedFromMs),
      timeline,
      pools: { capacity: { ...this.capacity }, samples: [...this.poolSamples] },
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
