// Locks in the event-stream writer's heartbeat: an idle stream gets a comment every interval, a
// stream that wrote an event since its last beat gets none (the event kept the connection alive),
// no stream is silent for more than two intervals, all streams share one timer, and a closed
// stream gets no more beats (the timer stops with the last stream).
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { SseWriter } from './sse';

const HEARTBEAT_MS = 1500;

function fakeResponse(): { res: ServerResponse; written: Array<{ at: number; chunk: string }> } {
  const written: Array<{ at: number; chunk: string }> = [];
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    writableEnded: false,
    socket: { destroyed: false },
    writeHead: () => res,
    write: (chunk: string) => {
      written.push({ at: Date.now(), chunk });
      return true;
    },
    end: () => {
      res.writableEnded = true;
    },
  });
  return { res: res as unknown as ServerResponse, written };
}

const PING = ': ping\n\n';
const pings = (written: Array<{ chunk: string }>) => written.filter((w) => w.chunk === PING).length;

describe('SseWriter heartbeat', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('pings an idle stream once every interval', () => {
    const { res, written } = fakeResponse();
    const writer = new SseWriter(res, HEARTBEAT_MS);
    jest.advanceTimersByTime(HEARTBEAT_MS);
    const first = pings(written);
    jest.advanceTimersByTime(4 * HEARTBEAT_MS);
    expect(pings(written) - first).toBe(4);
    writer.close();
  });

  it('skips the ping of a stream that wrote an event since its last beat', () => {
    const { res, written } = fakeResponse();
    const writer = new SseWriter(res, HEARTBEAT_MS);
    for (let i = 0; i < 6; i++) {
      writer.event(`t-${i}`, { i });
      jest.advanceTimersByTime(HEARTBEAT_MS);
    }
    expect(pings(written)).toBe(0);
    jest.advanceTimersByTime(2 * HEARTBEAT_MS);
    expect(pings(written)).toBeGreaterThan(0);
    writer.close();
  });

  it('never leaves a stream silent for more than two intervals', () => {
    const { res, written } = fakeResponse();
    const writer = new SseWriter(res, HEARTBEAT_MS);
    // Events at odd times, then silence.
    for (const gap of [100, 1400, 1600, 2900, 300]) {
      jest.advanceTimersByTime(gap);
      writer.event(undefined, { gap });
    }
    jest.advanceTimersByTime(6 * HEARTBEAT_MS);
    const at = written.map((w) => w.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2 * HEARTBEAT_MS);
    writer.close();
  });

  it('runs one timer for all streams, none once they are closed', () => {
    const writers = Array.from(
      { length: 40 },
      () => new SseWriter(fakeResponse().res, HEARTBEAT_MS),
    );
    expect(jest.getTimerCount()).toBe(1);
    for (const w of writers) w.close();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops pinging a closed stream', () => {
    const { res, written } = fakeResponse();
    const writer = new SseWriter(res, HEARTBEAT_MS);
    writer.close();
    jest.advanceTimersByTime(5 * HEARTBEAT_MS);
    expect(pings(written)).toBe(0);
  });
});
