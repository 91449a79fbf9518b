import { DEFAULT_LIFECYCLE_SETTINGS, type LifecycleSettings } from './settings';

type ThreadSettings = Pick<LifecycleSettings, 'threadIdleMs'>;

/** Why thread-cleanup closes a bus thread. */
export type OrphanReason = 'no_db_row' | 'session_ended' | 'idle';

/** What thread-cleanup knows about one thread on a pool bus. */
export interface BusThreadState {
  /** The thread has a row in the database (the source of truth). */
  readonly hasDbRow: boolean;
  /** The thread's session exists and has not ended. */
  readonly hasLiveSession: boolean;
  /** Epoch ms of the thread's last message. */
  readonly lastActivityAt: number;
}

/**
 * The latest `lastActivityAt` (epoch ms) that counts as idle at `now`, for a query selecting
 * `lastActivityAt <= cutoff`. Agrees with {@link orphanReason}'s `'idle'` by construction.
 */
export function threadIdleCutoff(
  now: number,
  settings: ThreadSettings = DEFAULT_LIFECYCLE_SETTINGS,
): number {
  return now - settings.threadIdleMs;
}

/**
 * Why a bus thread is orphaned, or `null` when it should stay open. A missing row is reported
 * first (nothing else about the thread can be trusted), then an ended session, then idleness.
 */
export function orphanReason(
  thread: BusThreadState,
  now: number,
  settings: ThreadSettings = DEFAULT_LIFECYCLE_SETTINGS,
): OrphanReason | null {
  if (!thread.hasDbRow) return 'no_db_row';
  if (!thread.hasLiveSession) return 'session_ended';
  if (thread.lastActivityAt <= threadIdleCutoff(now, settings)) return 'idle';
  return null;
}
