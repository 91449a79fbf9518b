import type { StoredMessage } from './messages';
import type { Store } from './store';

/** How many messages one read of a thread fetches (history, replay, rebuild). */
export const MESSAGE_PAGE = 500;

/** Every message of a thread after `afterSeq` (0 = from the start), read page by page. */
export async function readAllMessages(
  store: Pick<Store, 'listMessages'>,
  threadId: string,
  afterSeq = 0,
): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  let after = afterSeq;
  for (;;) {
    const page = await store.listMessages(threadId, after, MESSAGE_PAGE);
    out.push(...page);
    const last = page.at(-1);
    if (!last || page.length < MESSAGE_PAGE) return out;
    after = last.seq;
  }
}
