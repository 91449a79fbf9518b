import type { Store } from '../shared/store';
import type { ThreadBus } from '../thread-bus/thread-bus';

const RECONCILE_BATCH = 500;

/**
 * The fallback for missed lifecycle notifications: closes player threads open on this task's
 * buses that the database has closed; returns how many. Run after (re)connecting the listener
 * and periodically.
 */
export async function reconcileBuses(
  threadBus: ThreadBus,
  store: Pick<Store, 'findClosedOrMissing'>,
): Promise<number> {
  const open = threadBus.openPlayerThreadIds();
  let closed = 0;
  for (let i = 0; i < open.length; i += RECONCILE_BATCH) {
    const found = await store.findClosedOrMissing(open.slice(i, i + RECONCILE_BATCH));
    closed += threadBus.closeLocalThreads(found.closed, 'Thread closed in the database.');
  }
  return closed;
}
