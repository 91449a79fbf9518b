import { serviceTime, type LatencyDistribution } from './latency';
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
 * What a pool's reply time depends on, for admission (`maxThreadsPerPool`): the agents'
 * concurrency against the LLM's latency. Every field is per pool.
 */
export interface AdmissionModel {
  /** Replies one agent works on at once in one pool (the agents' `AGENT_CONCURRENCY`). */
  readonly agentConcurrency: number;
  /**
   * Agents in a pool (6). A thread is answered by its one agent, so each agent is its own queue
   * with `agentConcurrency` servers; threads spread evenly over the agents.
   */
  readonly agentsPerPool: number;
  /** The LLM's time for one reply (the service time). */
  readonly llmLatency: LatencyDistribution;
  /** Time between two messages of one thread: the player's think time plus the reply. */
  readonly messageIntervalMs: number;
  /** The reply-time objective: P95 of player message → agent reply, in ms. */
  readonly p95TargetMs: number;
}

/**
 * The defaults the gateway sizes `POOL_CAPACITY` from: the agents' default concurrency (64, sized
 * for I/O-bound LLM calls, apps/agents README), the six agents, the capacity runs' simulated LLM
 * (a fixed 1.5 s), a message every 10 s per thread (the design's assumption; capacity runs
 * measured 0.103 per second with 5–10 s pauses) and the design's 3 s P95.
 */
export const DEFAULT_ADMISSION_MODEL: AdmissionModel = Object.freeze({
  agentConcurrency: 64,
  agentsPerPool: 6,
  llmLatency: Object.freeze({ kind: 'fixed', medianMs: 1500 }),
  messageIntervalMs: 10_000,
  p95TargetMs: 3000,
});

function isAdmissionModel(settings: PoolingSettings | AdmissionModel): settings is AdmissionModel {
  return 'llmLatency' in settings;
}

function checkAdmissionModel(model: AdmissionModel): void {
  const { agentConcurrency, agentsPerPool, messageIntervalMs, p95TargetMs } = model;
  for (const [name, value] of Object.entries({ agentConcurrency, agentsPerPool })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  for (const [name, value] of Object.entries({ messageIntervalMs, p95TargetMs })) {
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
    }
  }
}

/**
 * Reply time of a pool holding `threads` threads under the admission model. Each agent is an
 * M/G/c queue: c = `agentConcurrency`, messages arrive at λ = (threads / agents) /
 * `messageIntervalMs`, the LLM time S has the given distribution. The P95 reply is bounded by
 * the P95 of the wait plus the P95 of S. The wait is 0 while an agent holds at most c threads (a
 * thread has one reply in progress at a time, so it never waits for a slot); beyond, it is
 * Erlang C's wait, 0 with probability 1 − C, else exponential with rate cμ − λ, scaled by the
 * Allen–Cunneen factor (1 + cs²) / 2 for S's variability (exact for exponential S; the M/D/c
 * approximation, half the M/M/c wait, for fixed S).
 */
function estimateModelReplyTime(threads: number, model: AdmissionModel): ReplyTimeEstimate {
  checkAdmissionModel(model);
  const service = serviceTime(model.llmLatency);
  const servers = model.agentConcurrency;
  const threadsPerAgent = threads / model.agentsPerPool;
  const arrivalsPerMs = threadsPerAgent / model.messageIntervalMs;
  const offeredLoad = arrivalsPerMs * service.meanMs;
  const utilisation = offeredLoad / servers;
  if (threadsPerAgent <= servers) {
    return {
      utilisation,
      stable: true,
      probabilityOfWaiting: 0,
      meanWaitMs: 0,
      p95ReplyMs: service.p95Ms,
    };
  }
  const probabilityOfWaiting = erlangC(servers, offeredLoad);
  if (utilisation >= 1) {
    return {
      utilisation,
      stable: false,
      probabilityOfWaiting,
      meanWaitMs: Infinity,
      p95ReplyMs: Infinity,
    };
  }
  const variability = (1 + service.scv) / 2;
  const drainRate = servers / service.meanMs - arrivalsPerMs;
  const meanWaitMs = (probabilityOfWaiting * variability) / drainRate;
  // P(W > t) = C · exp(−t · drainRate / variability): the 95th percentile is 0 while C ≤ 5 %.
  const tail = 1 - P95;
  const p95WaitMs =
    probabilityOfWaiting <= tail
      ? 0
      : (Math.log(probabilityOfWaiting / tail) * variability) / drainRate;
  return {
    utilisation,
    stable: true,
    probabilityOfWaiting,
    meanWaitMs,
    p95ReplyMs: p95WaitMs + service.p95Ms,
  };
}

/**
 * P95 reply time of a pool holding `threads` active threads.
 *
 * With an `AdmissionModel` (what the gateway admits by): per-agent M/G/c queues with the LLM
 * time's own distribution, see `DEFAULT_ADMISSION_MODEL`.
 *
 * With `PoolingSettings` (the design's traffic assumptions): one M/M/c queue per pool, messages
 * arrive at `threads × messagesPerThreadPerSec`, `agentConcurrencyPerPool` agents reply at once,
 * each reply takes an exponential time with mean `llmLatencyMs`. The reply time is the wait
 * (zero with probability 1 − C, else exponential with rate cμ − λ) plus the service time.
 * Exponential service puts the LLM's P95 at 3 × its mean: pessimistic for a real LLM.
 */
export function estimateReplyTime(
  threads: number,
  settings: PoolingSettings | AdmissionModel = DEFAULT_POOLING_SETTINGS,
): ReplyTimeEstimate {
  if (!Number.isFinite(threads) || threads < 0) {
    throw new RangeError(`threads must be a finite number ≥ 0, got ${threads}`);
  }
  if (isAdmissionModel(settings)) return estimateModelReplyTime(threads, settings);
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
 * `p95TargetMs`; 0 when even an idle pool misses it (the LLM alone is too slow). Pass an
 * `AdmissionModel` (e.g. `DEFAULT_ADMISSION_MODEL`) for the gateway's `POOL_CAPACITY`; the
 * `PoolingSettings` form is the design's exponential M/M/c estimate.
 */
export function maxThreadsPerPool(
  settings: PoolingSettings | AdmissionModel = DEFAULT_POOLING_SETTINGS,
): number {
  if (isAdmissionModel(settings)) return maxModelThreadsPerPool(settings);
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

function maxModelThreadsPerPool(model: AdmissionModel): number {
  checkAdmissionModel(model);
  const meets = (threads: number): boolean =>
    estimateModelReplyTime(threads, model).p95ReplyMs <= model.p95TargetMs;
  if (!meets(0)) return 0;
  const { meanMs } = serviceTime(model.llmLatency);
  const perAgent = model.agentConcurrency;
  // Up to c threads per agent nobody waits; past λ·E[S] = c per agent the queue is unstable.
  let lo = model.agentsPerPool * perAgent;
  let hi =
    Math.max(lo, Math.ceil((model.agentsPerPool * perAgent * model.messageIntervalMs) / meanMs)) +
    1;
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
