import { DEFAULT_LIFECYCLE_SETTINGS, type LifecycleSettings } from './settings';

type SessionSettings = Pick<LifecycleSettings, 'sessionIdleMs'>;

/**
 * The latest `lastActivityAt` (epoch ms) that counts as expired at `now`: session-cleanup selects
 * `lastActivityAt <= cutoff`. Agrees with {@link isSessionExpired} by construction.
 */
export function sessionExpiryCutoff(
  now: number,
  settings: SessionSettings = DEFAULT_LIFECYCLE_SETTINGS,
): number {
  return now - settings.sessionIdleMs;
}

/**
 * True when the session's last player activity is at least the idle window before `now`
 * (exactly 60 min idle is expired; one ms less is not).
 */
export function isSessionExpired(
  session: { readonly lastActivityAt: number },
  now: number,
  settings: SessionSettings = DEFAULT_LIFECYCLE_SETTINGS,
): boolean {
  return session.lastActivityAt <= sessionExpiryCutoff(now, settings);
}
