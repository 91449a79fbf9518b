import { DEFAULT_VIRTUAL_NODES } from './ring';

/** Sizing of the pools and the fleet: one object the gateway, the infra and the maths share. */
export interface PoolingSettings {
  /** Pools each server task hosts (`pool-0` …). */
  readonly poolsPerTask: number;
  /** Concurrent threads a pool holds: the capacity per pool for bounded-load assignment. */
  readonly threadsPerPool: number;
  /** ECS service minimum task count. */
  readonly minTasks: number;
  /** ECS service maximum task count. */
  readonly maxTasks: number;
  /** Points per pool on the hash ring. */
  readonly virtualNodes: number;
  /** Bounded-load factor c ≥ 1: no pool above ⌈c × mean⌉ when a wallet is assigned. */
  readonly balanceFactor: number;
  /** Price of one task-hour in USD (2 vCPU / 8 GB Fargate task). */
  readonly taskHourPriceUsd: number;
  /** Hours in the average month (AWS prices months as 730 h). */
  readonly hoursPerMonth: number;
  /** The reply-time objective: P95 of player message → agent reply, in ms. */
  readonly p95TargetMs: number;
  /** Player messages that need an agent reply, per active thread per second. */
  readonly messagesPerThreadPerSec: number;
  /** Agent replies a pool can produce at once (the M/M/c servers). */
  readonly agentConcurrencyPerPool: number;
  /** Mean LLM latency of one agent reply, in ms (the M/M/c mean service time). */
  readonly llmLatencyMs: number;
}

/**
 * The design's sizing (DESIGN.md §1, §4, §7): 5 pools × 30 threads per task, 3–10 tasks.
 *
 * The task-hour price reproduces the design's cost line, "an average of 5–7 tasks costs
 * $210–294 per month": $42 per task-month, i.e. 42 / 730 ≈ $0.0575 per task-hour.
 *
 * The three traffic figures are assumptions, not measurements (the design gives none): a player
 * writes every 10 s while a thread is active, each of the six agents works on one reply per pool
 * at a time, and an LLM reply takes 900 ms on average. With them the Erlang-C model gives a P95
 * reply of 2.7 s at 30 threads per pool and puts the limit for the 3 s target at 46 threads.
 * Replace them with measured values when the fleet reports some.
 */
export const DEFAULT_POOLING_SETTINGS: PoolingSettings = Object.freeze({
  poolsPerTask: 5,
  threadsPerPool: 30,
  minTasks: 3,
  maxTasks: 10,
  virtualNodes: DEFAULT_VIRTUAL_NODES,
  balanceFactor: 1.25,
  taskHourPriceUsd: 42 / 730,
  hoursPerMonth: 730,
  p95TargetMs: 3000,
  messagesPerThreadPerSec: 1 / 10,
  agentConcurrencyPerPool: 6,
  llmLatencyMs: 900,
});
