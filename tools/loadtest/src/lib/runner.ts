import { setMaxListeners } from 'node:events';
import { ApiClient, StoppedError, playerSourceAddress, type ClientOptions } from './client';
import { createRng, pickJourney, seedOf, type Mix } from './mix';
import { activePlayersAt, phaseAt, totalMs, type PhaseName, type Phases } from './phases';
import { runJourney, type PlayerContext } from './player';
import { LoadStats, type StatsSummary } from './stats';
import { judge, type Targets, type Verdict } from './verdict';
import { returningWallet } from './wallets';

const PAUSE_CHECK_MS = 250;

export interface LoadTestConfig {
  /** Base URL of the gateway (or load balancer); checked by checkTarget before a run. */
  url: string;
  /** Concurrent virtual players at the top of the ramp. */
  players: number;
  phases: Phases;
  mix: Mix;
  /** A player's pause between messages (and between visits), uniform in [min, max] ms. */
  thinkMs: { min: number; max: number };
  /** Messages a player sends in each thread of a visit. */
  messagesPerConversation: number;
  /** Waiting longer than this for a reply counts as a `timeout:reply` error. */
  replyTimeoutMs: number;
  /** An HTTP call without an answer this long counts as `timeout:request`. */
  requestTimeoutMs: number;
  /** Hard cap on HTTP requests; the run stops early when it is reached. */
  maxRequests: number;
  /** Size of the fixed set of returning players' wallets (derived from `seed`). */
  returningWallets: number;
  seed: string;
  /** Width of the report's time windows. */
  bucketMs: number;
  /** How often /health is sampled for per-pool load. */
  healthIntervalMs: number;
  targets: Targets;
  /**
   * The verdict judges what happened from here on (ms from the start; windows of `bucketMs`).
   * Default 0, the whole run; the capacity search judges each step's steady state, after its
   * ramp-up.
   */
  judgedFromMs?: number;
}

export interface Progress {
  elapsedMs: number;
  totalMs: number;
  phase: PhaseName | 'drain';
  activePlayers: number;
  requests: number;
  errors: number;
  replies: number;
  p95Ms: number;
}

export interface Summary extends StatsSummary {
  version: 1;
  target: string;
  startedAt: string;
  finishedAt: string;
  /** Why the run ended: its planned duration, or the request budget. */
  stoppedBy: 'duration' | 'max-requests';
  config: Omit<LoadTestConfig, 'url'>;
  verdict: Verdict;
}

/**
 * Runs virtual players against `config.url` through the phases and returns the summary with its
 * verdict. Bounded: no journey starts after the planned duration, replies are awaited at most
 * `replyTimeoutMs` longer, then everything in flight is aborted; at most `maxRequests` requests.
 */
export async function runLoadTest(
  config: LoadTestConfig,
  hooks: { onProgress?: (p: Progress) => void; progressIntervalMs?: number } = {},
): Promise<Summary> {
  // The returning players' wallets are the run's fixture, derived before the clock starts (a
  // PKCS#8 key import each, ~0.3 ms) rather than amid the load the run measures.
  for (let i = 0; i < config.returningWallets; i += 1) returningWallet(config.seed, i);
  const startedAt = new Date();
  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;
  const plannedMs = totalMs(config.phases);
  const drainMs = config.replyTimeoutMs + config.requestTimeoutMs;
  const stats = new LoadStats(config.bucketMs);
  const halt = new AbortController();
  // Every waiting player listens for the hard stop: hundreds of listeners are expected here.
  setMaxListeners(0, halt.signal);
  let stoppedBy: Summary['stoppedBy'] = 'duration';
  let budgetSpent = false;
  let admitted = 0;

  const clientOptions: ClientOptions = {
    requestTimeoutMs: config.requestTimeoutMs,
    signal: halt.signal,
    admit: () => {
      if (admitted >= config.maxRequests) {
        if (!budgetSpent) {
          budgetSpent = true;
          stoppedBy = 'max-requests';
        }
        throw new StoppedError();
      }
      admitted += 1;
    },
    onRequest: (kind) => stats.request(elapsed(), kind),
  };
  const client = new ApiClient(config.url, clientOptions);
  // Each virtual player is its own client address where the target allows (loopback).
  const playerClients: ApiClient[] = [];
  const clientOf = (index: number): ApiClient => {
    const localAddress = playerSourceAddress(config.url, index);
    if (!localAddress) return client;
    const own = new ApiClient(config.url, { ...clientOptions, localAddress });
    playerClients.push(own);
    return own;
  };

  const target = () =>
    budgetSpent ? 0 : activePlayersAt(config.phases, config.players, elapsed());
  // Hundreds of players pause at once (thinking, between visits, waiting for their turn in the
  // ramp): each pause is one timer, and one sweep every PAUSE_CHECK_MS ends those whose player
  // no longer waits (retired, or let in), in place of a timer and an abort listener per player
  // every 250 ms.
  interface Pause {
    waiting: () => boolean;
    wake: () => void;
  }
  const pauses = new Set<Pause>();
  const pause = (ms: number, waiting: () => boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      if (halt.signal.aborted || !waiting()) return resolve();
      const entry: Pause = {
        waiting,
        wake: () => {
          clearTimeout(timer);
          pauses.delete(entry);
          resolve();
        },
      };
      const timer = setTimeout(entry.wake, ms);
      pauses.add(entry);
    });
  const stopListeners = new Set<() => void>();
  halt.signal.addEventListener(
    'abort',
    () => {
      for (const p of [...pauses]) p.wake();
      for (const listener of [...stopListeners]) listener();
      stopListeners.clear();
    },
    { once: true },
  );
  const onStop = (listener: () => void): (() => void) => {
    stopListeners.add(listener);
    return () => stopListeners.delete(listener);
  };
  const poolOf = new Map<number, string>();
  const rng = createRng(seedOf(config.seed));

  const slot = async (index: number): Promise<void> => {
    const playerRng = createRng((seedOf(config.seed) ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    const active = () => !halt.signal.aborted && index < target();
    const ctx: PlayerContext = {
      client: clientOf(index),
      stats,
      rng: playerRng,
      elapsed,
      active,
      pause: (ms) => pause(ms, active),
      onStop,
      stopped: () => halt.signal.aborted,
      thinkMs: config.thinkMs,
      messagesPerConversation: config.messagesPerConversation,
      replyTimeoutMs: config.replyTimeoutMs,
      // Slot i owns wallets i, i + players, i + 2·players … of the fixed set, so two players never
      // share a wallet at the same time (a returning player is one person).
      returningWallet: () => {
        const owned = Math.max(
          1,
          Math.floor((config.returningWallets - index - 1) / config.players) + 1,
        );
        return returningWallet(
          config.seed,
          index + config.players * Math.floor(playerRng() * owned),
        );
      },
      onPool: (pool) => (pool ? poolOf.set(index, pool) : poolOf.delete(index)),
    };
    while (!halt.signal.aborted && elapsed() < plannedMs && !budgetSpent) {
      if (index >= target()) {
        // Until the ramp lets this player in (or the run is over).
        await pause(plannedMs - elapsed(), () => index >= target() && !budgetSpent);
        continue;
      }
      await runJourney(pickJourney(config.mix, rng()), ctx);
      // The pause between visits ends early when the player is retired (ramp-down, run over).
      const { min, max } = config.thinkMs;
      await ctx.pause(min + playerRng() * (max - min));
    }
  };

  const timers: NodeJS.Timeout[] = [];
  const sampleHealth = async () => {
    try {
      const pools = await client.health();
      const players: Record<string, number> = {};
      for (const pool of poolOf.values()) players[pool] = (players[pool] ?? 0) + 1;
      stats.pools(elapsed(), pools, players);
    } catch {
      // A missed sample is a gap in the pool chart, not a player-facing error.
    }
  };
  void sampleHealth();
  timers.push(setInterval(() => void sampleHealth(), config.healthIntervalMs));
  const report = () => {
    const now = elapsed();
    const active = target();
    stats.activePlayers(now, active);
    hooks.onProgress?.({
      elapsedMs: now,
      totalMs: plannedMs,
      phase: now >= plannedMs ? 'drain' : phaseAt(config.phases, now),
      activePlayers: active,
      requests: stats.requestCount,
      errors: stats.errorCount,
      replies: stats.replyCount,
      p95Ms: stats.latency().p95Ms,
    });
  };
  timers.push(setInterval(report, hooks.progressIntervalMs ?? 250));
  timers.push(
    setInterval(() => {
      for (const p of pauses) if (!p.waiting()) p.wake();
    }, PAUSE_CHECK_MS),
  );
  const hardStop = setTimeout(() => halt.abort(), plannedMs + drainMs);
  timers.push(hardStop);

  try {
    await Promise.all(Array.from({ length: config.players }, (_, i) => slot(i)));
    // Budget spent or everything drained before the hard deadline: nothing left in flight.
  } finally {
    for (const t of timers) clearTimeout(t);
    halt.abort();
    report();
    await Promise.all([client, ...playerClients].map((c) => c.close().catch(() => undefined)));
  }
  const durationMs = elapsed();
  const summary = stats.summarize(durationMs, config.judgedFromMs ?? 0);
  const { url: target_, ...rest } = config;
  return {
    version: 1,
    target: target_,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    stoppedBy,
    config: rest,
    ...summary,
    verdict: judge(
      {
        p95Ms: summary.judged.latency.p95Ms,
        p99Ms: summary.judged.latency.p99Ms,
        errorRate: summary.judged.errorRate,
        replies: summary.judged.replies,
      },
      config.targets,
    ),
  };
}
