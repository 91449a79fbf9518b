// Locks in what a mention wait reads of a thread: the same messages as before (a match consumes
// what it passed over; no match leaves everything unread for other waits), while each wait looks
// only at messages no earlier mention wait has looked at. An agent consulted once in a thread
// keeps all its later messages unread, and re-reading them on every wait cost (threads × their
// length) per wait.
import type { CoralMessage } from '../src';
import { ReadCursors, type WaitRequest } from '../src/lib/read-cursors';

const AGENT = 'trump-donald';
const MENTIONS: WaitRequest = { filter: { kind: 'mentions' }, batch: false };
const ANY: WaitRequest = { filter: { kind: 'any' }, batch: false };

function message(i: number, mentions: string[], senderId = 'player'): CoralMessage {
  return {
    id: `m${i}`,
    threadId: 't',
    threadName: 't',
    senderId,
    content: `message ${i}`,
    mentions,
    timestamp: 1_000 + i,
  };
}

/** The thread's messages, counting how many times a position is read. */
function counted(messages: CoralMessage[]): { messages: CoralMessage[]; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(messages, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads += 1;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { messages: proxy, reads: () => reads };
}

describe('ReadCursors, mention waits', () => {
  it('looks at each message once while none mentions the agent', () => {
    const all: CoralMessage[] = [];
    const { messages, reads } = counted(all);
    const cursors = new ReadCursors();
    for (let i = 0; i < 200; i++) {
      all.push(message(i, ['cz'], i % 2 ? 'cz' : 'player'));
      expect(cursors.select(AGENT, messages, MENTIONS)).toEqual({ matches: [], passedOver: [] });
    }
    // One read per message (plus a few for the loop's bounds), not 200 × 100.
    expect(reads()).toBeLessThan(2 * 200);
    expect(cursors.position(AGENT) ?? 0).toBe(0);
  });

  it('a mention after many others consumes everything it passed over, as before', () => {
    const all = Array.from({ length: 50 }, (_, i) => message(i, ['cz']));
    const cursors = new ReadCursors();
    expect(cursors.select(AGENT, all, MENTIONS).matches).toEqual([]);
    all.push(message(50, [AGENT]), message(51, ['cz']));
    const { matches, passedOver } = cursors.select(AGENT, all, MENTIONS);
    expect(matches).toEqual([50]);
    expect(passedOver).toEqual(Array.from({ length: 50 }, (_, i) => i));
    cursors.consume(AGENT, [...passedOver, ...matches], all);
    expect(cursors.position(AGENT)).toBe(51);
    expect(cursors.select(AGENT, all, MENTIONS).matches).toEqual([]);
    expect(cursors.select(AGENT, all, ANY).matches).toEqual([51]);
  });

  it('a mention not taken (another thread’s was older) is found again by the next wait', () => {
    const all = [message(0, ['cz']), message(1, [AGENT])];
    const cursors = new ReadCursors();
    expect(cursors.select(AGENT, all, MENTIONS)).toEqual({ matches: [1], passedOver: [0] });
    expect(cursors.select(AGENT, all, MENTIONS)).toEqual({ matches: [1], passedOver: [0] });
  });

  it('what a fruitless mention wait looked at stays unread for other waits', () => {
    const all = [message(0, ['cz']), message(1, ['cz'])];
    const cursors = new ReadCursors();
    expect(cursors.select(AGENT, all, MENTIONS).matches).toEqual([]);
    expect(cursors.select(AGENT, all, ANY)).toEqual({ matches: [0], passedOver: [] });
    expect(
      cursors.select(AGENT, all, { filter: { kind: 'mentions' }, batch: false, since: 0 }).matches,
    ).toEqual([]);
  });

  it('starts over when the agent joins again (its read position is reset)', () => {
    const all = [message(0, [AGENT]), message(1, ['cz'])];
    const cursors = new ReadCursors();
    cursors.start(AGENT, 2);
    expect(cursors.select(AGENT, all, MENTIONS).matches).toEqual([]);
    cursors.start(AGENT, 0);
    expect(cursors.select(AGENT, all, MENTIONS).matches).toEqual([0]);
  });

  it('batch waits (Coral 1.0) get every mention and consume what they passed over', () => {
    const all = [message(0, ['cz']), message(1, [AGENT]), message(2, ['cz']), message(3, [AGENT])];
    const cursors = new ReadCursors();
    const request: WaitRequest = { filter: { kind: 'mentions' }, batch: true };
    expect(cursors.select(AGENT, all, request)).toEqual({ matches: [1, 3], passedOver: [0, 2] });
  });
});
