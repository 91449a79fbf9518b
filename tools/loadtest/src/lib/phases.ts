/** The shape of a run: players ramp up linearly, hold, then ramp down linearly. */
export interface Phases {
  rampUpMs: number;
  sustainMs: number;
  rampDownMs: number;
}

export type PhaseName = 'ramp-up' | 'sustain' | 'ramp-down' | 'done';

/**
 * Splits a run of `durationMs` into its phases. Ramps default to 10 % of the run each (at most
 * 60 s); the sustain phase is what remains and must not be negative.
 */
export function planPhases(
  durationMs: number,
  ramps: { rampUpMs?: number; rampDownMs?: number } = {},
): Phases {
  if (!(durationMs > 0) || !Number.isFinite(durationMs)) {
    throw new RangeError(`duration must be > 0, got ${durationMs} ms`);
  }
  const defaultRamp = Math.min(60_000, Math.round(durationMs * 0.1));
  const rampUpMs = ramps.rampUpMs ?? defaultRamp;
  const rampDownMs = ramps.rampDownMs ?? defaultRamp;
  if (rampUpMs < 0 || rampDownMs < 0) throw new RangeError('ramps must not be negative');
  const sustainMs = durationMs - rampUpMs - rampDownMs;
  if (sustainMs < 0) {
    throw new RangeError(
      `ramp-up (${rampUpMs} ms) and ramp-down (${rampDownMs} ms) exceed the duration (${durationMs} ms)`,
    );
  }
  return { rampUpMs, sustainMs, rampDownMs };
}

export function totalMs(phases: Phases): number {
  return phases.rampUpMs + phases.sustainMs + phases.rampDownMs;
}

export function phaseAt(phases: Phases, elapsedMs: number): PhaseName {
  if (elapsedMs < phases.rampUpMs) return 'ramp-up';
  if (elapsedMs < phases.rampUpMs + phases.sustainMs) return 'sustain';
  if (elapsedMs < totalMs(phases)) return 'ramp-down';
  return 'done';
}

/**
 * How many of `players` virtual players are active `elapsedMs` into the run: the ramp-up adds
 * them one by one (the first at once), the ramp-down retires them one by one (the last at the end).
 */
export function activePlayersAt(phases: Phases, players: number, elapsedMs: number): number {
  const { rampUpMs, sustainMs } = phases;
  switch (phaseAt(phases, elapsedMs)) {
    case 'ramp-up':
      return Math.min(players, 1 + Math.floor(((players - 1) * elapsedMs) / rampUpMs));
    case 'sustain':
      return players;
    case 'ramp-down': {
      const into = elapsedMs - rampUpMs - sustainMs;
      return Math.max(0, players - Math.ceil((players * into) / phases.rampDownMs));
    }
    default:
      return 0;
  }
}
