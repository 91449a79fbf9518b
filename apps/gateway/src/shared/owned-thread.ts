import { GatewayError } from '../errors';
import type { Store, ThreadRow } from './store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The wallet's thread, or 404: also for another wallet's thread, whose existence must not be
 * revealed. Every route that names a thread goes through here.
 */
export async function ownedThread(
  store: Pick<Store, 'getThread'>,
  wallet: string,
  threadId: string,
): Promise<ThreadRow> {
  if (!UUID.test(threadId)) throw new GatewayError('GW_ERR_THREAD_NOT_FOUND');
  const thread = await store.getThread(threadId);
  if (!thread || thread.wallet !== wallet) throw new GatewayError('GW_ERR_THREAD_NOT_FOUND');
  return thread;
}
