import type { Histogram } from 'prom-client';

/**
 * The reply-latency histogram's clock: the time of the oldest unanswered player message per
 * thread, observed when the agent's reply is stored.
 */
export class ReplyLatency {
  private readonly awaiting = new Map<string, number>();

  constructor(private readonly histogram: Histogram<'pool' | 'agent'>) {}

  playerMessageStored(threadId: string, now = Date.now()): void {
    if (!this.awaiting.has(threadId)) this.awaiting.set(threadId, now);
  }

  replyStored(threadId: string, pool: string, agentId: string, now = Date.now()): void {
    const since = this.awaiting.get(threadId);
    if (since === undefined) return;
    this.awaiting.delete(threadId);
    this.histogram.observe({ pool, agent: agentId }, (now - since) / 1000);
  }

  forget(threadId: string): void {
    this.awaiting.delete(threadId);
  }
}
