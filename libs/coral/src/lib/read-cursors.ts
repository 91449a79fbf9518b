import type { CoralMessage } from './model';

/** Which messages a wait is after (both Coral generations' waits are one of these). */
export type MessageFilter =
  /** Mentions the waiting agent (Coral 1.0 `wait_for_mentions`, 1.2 `wait_for_mention`). */
  | { kind: 'mentions' }
  /** Any message of another participant (1.2 `wait_for_message`). */
  | { kind: 'any' }
  /** Sent by one named participant (1.2 `wait_for_agent`). */
  | { kind: 'from'; senderId: string };

export interface WaitRequest {
  filter: MessageFilter;
  /** Only messages stamped at or after this epoch-ms time (1.2's `currentUnixTime`). */
  since?: number;
  /** Every matching unread message at once (1.0), or the oldest one (1.2). */
  batch: boolean;
}

/**
 * How far each participant has read one thread. The position is the agent's (never a
 * connection's): everything below `floor` is consumed; `ahead` holds later positions consumed out
 * of order (a 1.2 `wait_for_agent` takes one sender's message and leaves the others unread).
 * An agent's own messages count as read.
 */
export class ReadCursors {
  private readonly floor = new Map<string, number>();
  private readonly ahead = new Map<string, Set<number>>();
  /**
   * Per agent, a position below which no unread message mentions it (messages never change once
   * appended). A mention wait starts looking there instead of at the floor: an agent consulted
   * once in a thread keeps every later message of it unread (none mentions it), and each of its
   * waits would otherwise read them all again, in every such thread.
   */
  private readonly mentionsFrom = new Map<string, number>();

  /** Everything before `index` counts as read for `agentId` (materialisation, new participant). */
  start(agentId: string, index: number): void {
    this.floor.set(agentId, index);
    this.ahead.delete(agentId);
    this.mentionsFrom.delete(agentId);
  }

  position(agentId: string): number | undefined {
    return this.floor.get(agentId);
  }

  /** True when the agent has read every message (the thread holds nothing new for it). */
  caughtUp(agentId: string, messages: readonly CoralMessage[]): boolean {
    return (this.floor.get(agentId) ?? 0) >= messages.length;
  }

  /**
   * The unread messages of this thread that `request` wants, as positions, oldest first, and the
   * positions a delivery of them consumes. Messages older than `since` are passed over but stay
   * unread (a later wait with an earlier time still gets them).
   */
  select(
    agentId: string,
    messages: readonly CoralMessage[],
    request: WaitRequest,
  ): { matches: number[]; passedOver: number[] } {
    const from = this.floor.get(agentId) ?? 0;
    const ahead = this.ahead.get(agentId);
    const matches: number[] = [];
    const passedOver: number[] = [];
    const mentions = request.filter.kind === 'mentions' && request.since === undefined;
    const scanFrom = mentions ? Math.max(from, this.mentionsFrom.get(agentId) ?? 0) : from;
    for (let i = scanFrom; i < messages.length; i += 1) {
      const message = messages[i];
      if (!message || message.senderId === agentId || ahead?.has(i)) continue;
      if (request.since !== undefined && message.timestamp < request.since) continue;
      if (matchesFilter(message, agentId, request.filter)) {
        matches.push(i);
        if (!request.batch) break;
      } else if (request.filter.kind !== 'from') {
        // Mention and any-message waits read the thread in order, as Coral 1.0 does: what they
        // pass over on the way to a match is read. A wait for one sender reads only its messages.
        passedOver.push(i);
      }
    }
    const last = matches[matches.length - 1];
    if (mentions) this.mentionsFrom.set(agentId, matches[0] ?? messages.length);
    if (last === undefined) return { matches, passedOver: [] };
    const before: number[] = [];
    // Below scanFrom nothing matched: what is unread there is passed over too (read with the match).
    for (let i = from; i < scanFrom; i += 1) {
      const message = messages[i];
      if (message && message.senderId !== agentId && !ahead?.has(i)) before.push(i);
    }
    return { matches, passedOver: [...before, ...passedOver.filter((p) => p < last)] };
  }

  /** Marks positions read and moves the floor over everything read (own messages included). */
  consume(agentId: string, positions: readonly number[], messages: readonly CoralMessage[]): void {
    let ahead = this.ahead.get(agentId);
    if (!ahead) {
      ahead = new Set();
      this.ahead.set(agentId, ahead);
    }
    for (const p of positions) ahead.add(p);
    let floor = this.floor.get(agentId) ?? 0;
    while (floor < messages.length && (ahead.has(floor) || messages[floor]?.senderId === agentId)) {
      ahead.delete(floor);
      floor += 1;
    }
    this.floor.set(agentId, floor);
    if (ahead.size === 0) this.ahead.delete(agentId);
  }

  /** Moves the agent's floor over its own trailing messages (after it sends). */
  settle(agentId: string, messages: readonly CoralMessage[]): void {
    this.consume(agentId, [], messages);
  }
}

export function matchesFilter(
  message: CoralMessage,
  agentId: string,
  filter: MessageFilter,
): boolean {
  switch (filter.kind) {
    case 'mentions':
      return message.mentions.includes(agentId);
    case 'any':
      return true;
    case 'from':
      return message.senderId === filter.senderId;
  }
}
