import { orphanReason, type LifecycleSettings } from '@pardon/lifecycle';
import type { PoolManager } from '../shared/pools';
import type { Store } from '../shared/store';
import type { ThreadBus } from '../thread-bus/thread-bus';

const SWEEP_BATCH = 500;

export interface OrphanSweepDeps {
  store: Pick<Store, 'findClosedOrMissing'>;
  pools: PoolManager;
  threadBus: ThreadBus;
  lifecycle: LifecycleSettings;
}

/**
 * Sweeps this task's buses for open threads the database has closed meanwhile, or has no row
 * for at all (the orphan rule); returns how many were closed. Run by thread-cleanup here and on
 * a fleet-wide sweep request.
 */
export async function sweepOrphans(deps: OrphanSweepDeps, now = Date.now()): Promise<number> {
  let orphansClosed = 0;
  for (const bus of deps.pools.allBuses()) {
    // Open threads only: closed ones leave the bus after their grace, so this is O(live threads).
    const open = bus.openThreadIds();
    for (let i = 0; i < open.length; i += SWEEP_BATCH) {
      const batch = open.slice(i, i + SWEEP_BATCH);
      const found = await deps.store.findClosedOrMissing(batch);
      for (const id of found.missing) {
        const reason = orphanReason(
          { hasDbRow: false, hasLiveSession: false, lastActivityAt: now },
          now,
          deps.lifecycle,
        );
        if (deps.threadBus.closeOnBus(bus.poolId, id, `Orphaned thread closed (${reason}).`)) {
          orphansClosed += 1;
        }
      }
      for (const id of found.closed) {
        if (deps.threadBus.closeOnBus(bus.poolId, id, 'Thread closed in the database.')) {
          orphansClosed += 1;
        }
      }
    }
  }
  return orphansClosed;
}
