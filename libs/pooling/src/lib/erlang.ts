import { DEFAULT_POOLING_SETTINGS, type PoolingSettings } from './settings';

/** The quantile the reply-time objective is stated at. */
const P95 = 0.95;

/**
 * Erlang C: the probability that a request waits in an M/M/c queue with `servers` servers and an
 * offered load of `offeredLoad` Erlangs (arrival rate × mean service time). 1 when the queue is
 * unstable (load ≥ servers). Computed from the Erlang B recursion, which neither overflows nor
 * loses precision for large `servers`.
 */
export function erlangC(servers: number, offeredLoad: number): number {
  if (!Number.isInteger(servers) || servers < 1) {
    throw new RangeError(`servers must be a positive integer, got ${servers}`);
  }
  if (!Number.isFinite(offeredLoad) || offeredLoad < 0) {
    throw new RangeError(`offeredLoad must be a finite number ≥ 0, got ${offeredLoad}`);
  }
  if (offeredLoad >= servers) return 1;
  let blocking = 1;
  for (let k = 1; k <= servers; k++) {
    blocking = (offeredLoad * blocking) / (k + offeredLoad * blocking);
  }
  return (servers * blocking) / (servers - offeredLoad * (1 - blocking));
}

export interface ReplyTimeEstimate {
  /** Busy fraction of the pool's agent concurrency (ρ = λ / cμ). */
  readonly utilisation: number;
  /** False when messages arrive faster than the agents can reply (ρ ≥ 1): times are infinite. */
  readonly stable: boolean;
  /** Erlang C: the probability that a message waits for a free agent. */
  readonly probabilityOfWaiting: number;
  /** Mean time a message waits before an agent starts on it, in ms. */
  readonly meanWaitMs: number;
  /** P95 of the time from a player's message to the agent's reply (wait + LLM), in ms. */
  readonly p95ReplyMs: number;
}

/**
 * P95 reply time of a pool holding `threads` active threads, modelled as an M/M/c queue: messages
 * arrive at `threads × messagesPerThreadPerSec`, `agentConcurrencyPerPool` agents reply at once,
 * each reply takes an exponential time with mean `llmLatencyMs`. The reply time is the wait
 * (zero with probability 1 − C, else exponential with rate cμ − λ) plus the service time.
 */
export function estimateReplyTime(
  threads: number,
  settings: PoolingSettings = DEFAULT_POOLING_SETTINGS,
): ReplyTimeEstimate {
  if (!Number.isFinite(threads) || threads < 0) {
    throw new RangeError(`threads must be a finite number ≥ 0, got ${threads}`);
  }
  const { messagesPerThreadPerSec, agentConcurrencyPerPool: servers, llmLatencyMs } = settings;
  if (!(llmLatencyMs > 0) || !Number.isFinite(llmLatencyMs)) {
    throw new RangeError(`llmLatencyMs must be a finite number > 0, got ${llmLatencyMs}`);
  }
  if (!(messagesPerThreadPerSec >= 0) || !Number.isFinite(messagesPerThreadPerSec)) {
    throw new RangeError(
      `messagesPerThreadPerSec must be a finite number ≥ 0, got ${messagesPerThreadPerSec}`,
    );
  }
  const arrivalsPerMs = (threads * messagesPerThreadPerSec) / 1000;
  const serviceRate = 1 / llmLatencyMs;
  const offeredLoad = arrivalsPerMs * llmLatencyMs;
  const probabilityOfWaiting = erlangC(servers, offeredLoad);
  const utilisation = offeredLoad / servers;
  if (utilisation >= 1) {
    return {
      utilisation,
      stable: false,
      probabilityOfWaiting,
      meanWaitMs: Infinity,
      p95ReplyMs: Infinity,
    };
  }
  const drainRate = servers * serviceRate - arrivalsPerMs;
  const survival = (t: number): number =>
    (1 - probabilityOfWaiting) * Math.exp(-serviceRate * t) +
    probabilityOfWaiting * hypoexponentialSurvival(drainRate, serviceRate, t);
  return {
    utilisation,
    stable: true,
    probabilityOfWaiting,
    meanWaitMs: probabilityOfWaiting / drainRate,
    p95ReplyMs: quantileOf(survival, P95, llmLatencyMs),
  };
}

/**
 * The most threads a pool can hold while the modelled P95 reply time stays within
 * `p95TargetMs`; 0 when even an idle pool misses it (the LLM alone is too slow).
 */
export function maxThreadsPerPool(settings: PoolingSettings = DEFAULT_POOLING_SETTINGS): number {
  const { p95TargetMs, messagesPerThreadPerSec, agentConcurrencyPerPool, llmLatencyMs } = settings;
  if (!(p95TargetMs > 0)) throw new RangeError(`p95TargetMs must be > 0, got ${p95TargetMs}`);
  if (!(messagesPerThreadPerSec > 0) || !Number.isFinite(messagesPerThreadPerSec)) {
    throw new RangeError(
      `messagesPerThreadPerSec must be a finite number > 0, got ${messagesPerThreadPerSec}`,
    );
  }
  const meets = (threads: number): boolean =>
    estimateReplyTime(threads, settings).p95ReplyMs <= p95TargetMs;
  if (!meets(0)) return 0;
  // Past this many threads the queue is unstable, so the answer lies in [0, unstable).
  let lo = 0;
  let hi = Math.ceil((agentConcurrencyPerPool * 1000) / (messagesPerThreadPerSec * llmLatencyMs));
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (meets(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** P(X + Y > t) for independent exponentials X ~ Exp(a), Y ~ Exp(b). */
function hypoexponentialSurvival(a: number, b: number, t: number): number {
  if (Math.abs(a - b) <= 1e-12 * Math.max(a, b)) return (1 + b * t) * Math.exp(-b * t);
  return (a * Math.exp(-b * t) - b * Math.exp(-a * t)) / (a - b);
}

/** The t with survival(t) = 1 − q, for a continuous decreasing survival function from 1 to 0. */
function quantileOf(survival: (t: number) => number, q: number, scale: number): number {
  const tail = 1 - q;
  let lo = 0;
  let hi = scale;
  while (survival(hi) > tail) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (survival(mid) > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
