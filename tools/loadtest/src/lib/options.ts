import { parseDuration } from './duration';
import { DEFAULT_MIX, normaliseMix, parseMix } from './mix';
import { planPhases, totalMs } from './phases';
import type { LoadTestConfig } from './runner';
import { checkTarget } from './target';
import { DESIGN_TARGETS } from './verdict';

/** The CLI's options as commander hands them over (strings, as typed). */
export interface RawOptions {
  url: string;
  players: string;
  duration: string;
  rampUp?: string;
  rampDown?: string;
  think: string;
  messages: string;
  replyTimeout: string;
  requestTimeout: string;
  maxRequests?: string;
  returningWallets?: string;
  mix?: string;
  seed: string;
  bucket?: string;
  healthInterval: string;
  p95: string;
  p99: string;
  maxErrorRate: string;
  allowRemote?: boolean;
}

export const DEFAULT_RAW: Omit<RawOptions, 'url'> = {
  players: '10',
  duration: '1m',
  think: '5s:10s',
  messages: '3',
  replyTimeout: '10s',
  requestTimeout: '10s',
  seed: 'pardon',
  healthInterval: '2s',
  p95: '3000',
  p99: '5000',
  maxErrorRate: '0.01',
};

/** Requests a player could make per second at most, for the default request budget. */
const REQUESTS_PER_PLAYER_SECOND_BOUND = 5;

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`${name} must be an integer ≥ 1, got "${text}"`);
  return n;
}

function fraction(name: string, text: string): number {
  const n = Number(text);
  if (!(n >= 0 && n <= 1))
    throw new RangeError(`${name} must be a number in [0, 1], got "${text}"`);
  return n;
}

/** `5s:10s` → {min: 5000, max: 10000}; a single duration means a fixed pause. */
export function parseRange(text: string): { min: number; max: number } {
  const [a, b] = text.split(':');
  const min = parseDuration(a ?? '');
  const max = b === undefined ? min : parseDuration(b);
  if (max < min) throw new RangeError(`range "${text}": the maximum is below the minimum`);
  return { min, max };
}

/**
 * Validates the CLI's options into a run configuration; throws RangeError naming the bad option.
 * The target must be loopback unless `allowRemote`.
 */
export function buildConfig(raw: RawOptions): LoadTestConfig {
  const url = checkTarget(raw.url, raw.allowRemote === true)
    .toString()
    .replace(/\/$/, '');
  const players = positiveInt('--players', raw.players);
  const durationMs = parseDuration(raw.duration);
  const phases = planPhases(durationMs, {
    ...(raw.rampUp !== undefined ? { rampUpMs: parseDuration(raw.rampUp) } : {}),
    ...(raw.rampDown !== undefined ? { rampDownMs: parseDuration(raw.rampDown) } : {}),
  });
  const bucketMs =
    raw.bucket !== undefined
      ? parseDuration(raw.bucket)
      : Math.min(10_000, Math.max(1000, Math.round(totalMs(phases) / 60 / 1000) * 1000));
  if (bucketMs < 100) throw new RangeError('--bucket must be at least 100ms');
  return {
    url,
    players,
    phases,
    mix: raw.mix ? parseMix(raw.mix) : normaliseMix({ ...DEFAULT_MIX }),
    thinkMs: parseRange(raw.think),
    messagesPerConversation: positiveInt('--messages', raw.messages),
    replyTimeoutMs: parseDuration(raw.replyTimeout),
    requestTimeoutMs: parseDuration(raw.requestTimeout),
    maxRequests:
      raw.maxRequests !== undefined
        ? positiveInt('--max-requests', raw.maxRequests)
        : players * Math.ceil(totalMs(phases) / 1000) * REQUESTS_PER_PLAYER_SECOND_BOUND + 1000,
    returningWallets:
      raw.returningWallets !== undefined
        ? positiveInt('--returning-wallets', raw.returningWallets)
        : players * 2,
    seed: raw.seed,
    bucketMs,
    healthIntervalMs: parseDuration(raw.healthInterval),
    targets: {
      p95Ms: positiveInt('--p95', raw.p95),
      p99Ms: positiveInt('--p99', raw.p99),
      errorRate: fraction('--max-error-rate', raw.maxErrorRate),
    },
  };
}

export { DESIGN_TARGETS };
