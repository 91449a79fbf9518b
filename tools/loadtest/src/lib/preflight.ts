import { z } from 'zod';

const PREFLIGHT_TIMEOUT_MS = 5_000;
const HealthShape = z.object({
  status: z.string(),
  pools: z.array(z.object({ ready: z.boolean() })),
});

/**
 * Asks the target's `/health` once before a run. Returns why the run cannot start (nothing
 * answers, the answer is not a Pardon gateway's, or no pool is ready), or undefined to go ahead,
 * so that a mistyped URL or a game that is not running is said in one line, not as a report
 * full of errors.
 */
export async function preflight(url: string): Promise<string | undefined> {
  const health = new URL('/health', url).toString();
  let response: Response;
  try {
    response = await fetch(health, { signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    const why = typeof cause === 'string' ? cause : (error as Error).name;
    return `nothing answers at ${url} (${why}): start the game (npm start) or pass the --url it prints`;
  }
  const parsed = HealthShape.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) {
    return `${health} answered HTTP ${response.status}, not a Pardon gateway's health: check --url`;
  }
  if (!parsed.data.pools.some((p) => p.ready)) {
    return `the game at ${url} is up but no pool is ready (${parsed.data.status}): wait for its agents, then run again`;
  }
  return undefined;
}
