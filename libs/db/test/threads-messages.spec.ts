// Locks in threads and messages: ownership lookups, idempotent appends, commit order == id order,
// cursors, re-delivery of unanswered player messages, thread cleanup and active counts.
import pg from 'pg';
import {
  decodeMessageAppended,
  InvalidInputError,
  MESSAGES_CHANNEL,
  type MessageAppendedEvent,
  NotFoundError,
  parseMessageId,
  SessionEndedError,
  ThreadClosedError,
} from '../src';
import { randomWallet } from '../src/testing';
import { count, MINUTE_MS, useTestDb } from './support';

const fx = useTestDb();

async function openThread(pool = 'pool-0', agentId = 'cz', taskId = 'task-1') {
  const wallet = randomWallet();
  const { session } = await fx().db.sessions.openOrReuse({ wallet, pool, taskId });
  const thread = await fx().db.threads.create({ sessionId: session.id, agentId });
  return { wallet, session, thread };
}

describe('threads', () => {
  test('create puts the thread in the session pool and get returns it with its owner', async () => {
    const { wallet, session, thread } = await openThread('pool-3', 'trump-melania');
    expect(thread).toMatchObject({
      sessionId: session.id,
      pool: 'pool-3',
      agentId: 'trump-melania',
      closedAt: null,
      lastMessageAt: null,
    });
    expect(await fx().db.threads.get(thread.id)).toEqual({
      ...thread,
      wallet,
      sessionEndedAt: null,
    });
  });

  test('get returns null for an unknown id or a value that is not a UUID', async () => {
    expect(await fx().db.threads.get('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await fx().db.threads.get("1' OR '1'='1")).toBeNull();
  });

  test('create refuses an ended session and an unknown one', async () => {
    const { session } = await openThread();
    await fx().db.sessions.end(session.id, 'logout');
    await expect(
      fx().db.threads.create({ sessionId: session.id, agentId: 'cz' }),
    ).rejects.toBeInstanceOf(SessionEndedError);
    await expect(
      fx().db.threads.create({ sessionId: '00000000-0000-4000-8000-000000000000', agentId: 'cz' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  test('listForWallet lists only the wallet threads, newest first, optionally only open ones', async () => {
    const { wallet, session, thread: first } = await openThread();
    const second = await fx().db.threads.create({ sessionId: session.id, agentId: 'trump-barron' });
    await openThread(); // someone else's
    await fx().db.threads.close(first.id, 'player_closed');
    const all = await fx().db.threads.listForWallet(wallet);
    expect(all.map((t) => t.id)).toEqual([second.id, first.id]);
    const open = await fx().db.threads.listForWallet(wallet, { openOnly: true });
    expect(open.map((t) => t.id)).toEqual([second.id]);
  });

  test('close records the reason once and reports whether it closed anything', async () => {
    const { thread } = await openThread();
    expect(await fx().db.threads.close(thread.id, 'player_closed')).toBe(true);
    expect(await fx().db.threads.close(thread.id, 'other')).toBe(false);
    expect((await fx().db.threads.get(thread.id))?.closeReason).toBe('player_closed');
  });

  test('closeIdle closes threads idle since the cutoff (by last message, else creation) only', async () => {
    const cutoff = new Date(Date.now() - 30 * MINUTE_MS);
    const idle = await openThread('pool-idle');
    const recentMessage = await openThread('pool-idle');
    const fresh = await openThread('pool-idle');
    await fx().sql.query('UPDATE threads SET created_at = $2 WHERE id = ANY($1)', [
      [idle.thread.id, recentMessage.thread.id],
      new Date(cutoff.getTime() - 10 * MINUTE_MS),
    ]);
    await fx().db.messages.append({
      threadId: recentMessage.thread.id,
      senderId: recentMessage.wallet,
      content: 'still here',
    });
    const closed = await fx().db.threads.closeIdle({ cutoff, batchSize: 1 });
    const ids = closed.map((c) => c.threadId);
    expect(ids).toContain(idle.thread.id);
    expect(ids).not.toContain(recentMessage.thread.id);
    expect(ids).not.toContain(fresh.thread.id);
    expect((await fx().db.threads.get(idle.thread.id))?.closeReason).toBe('idle');
  });

  test('closeThreadsOfEndedSessions closes open threads whose session ended behind our back', async () => {
    const { session, thread } = await openThread('pool-orphan');
    await fx().sql.query(
      `UPDATE sessions SET ended_at = now(), end_reason = 'manual' WHERE id = $1`,
      [session.id],
    );
    const closed = await fx().db.threads.closeThreadsOfEndedSessions();
    expect(closed).toContainEqual({
      threadId: thread.id,
      sessionId: session.id,
      pool: 'pool-orphan',
      agentId: 'cz',
    });
    expect(await fx().db.threads.closeThreadsOfEndedSessions()).toEqual([]);
  });
});

describe('messages', () => {
  test('append stores the message, moves the thread last message time and the session activity', async () => {
    const { wallet, session, thread } = await openThread();
    await fx().sql.query('UPDATE sessions SET last_activity_at = $2 WHERE id = $1', [
      session.id,
      new Date(Date.now() - 20 * MINUTE_MS),
    ]);
    const { message, created } = await fx().db.messages.append({
      threadId: thread.id,
      senderId: wallet,
      content: 'pardon me',
      mentions: ['cz'],
      clientMessageId: 'c-1',
    });
    expect(created).toBe(true);
    expect(message).toMatchObject({
      threadId: thread.id,
      seq: 1,
      senderId: wallet,
      content: 'pardon me',
      mentions: ['cz'],
      clientMessageId: 'c-1',
    });
    expect(parseMessageId(message.id)).toEqual({ threadId: thread.id, seq: 1 });
    const after = await fx().db.threads.get(thread.id);
    expect(after?.lastMessageAt?.getTime()).toBe(message.createdAt.getTime());
    const active = await fx().db.sessions.get(session.id);
    expect(Date.now() - (active?.lastActivityAt.getTime() ?? 0)).toBeLessThan(MINUTE_MS);
  });

  test("a player message moves the user's lastActiveAt once it is a minute old, not sooner", async () => {
    const { wallet, thread } = await openThread();
    const lastActive = async () => (await fx().db.users.find(wallet))?.lastActiveAt.getTime();
    const setLastActive = (msAgo: number) =>
      fx().sql.query(
        "UPDATE users SET last_active_at = now() - $2 * interval '1 millisecond' WHERE wallet = $1",
        [wallet, msAgo],
      );
    await setLastActive(MINUTE_MS - 5_000);
    const recent = await lastActive();
    await fx().db.messages.append({ threadId: thread.id, senderId: wallet, content: 'a' });
    expect(await lastActive()).toBe(recent);
    await setLastActive(MINUTE_MS + 1_000);
    await fx().db.messages.append({ threadId: thread.id, senderId: wallet, content: 'b' });
    expect(Date.now() - ((await lastActive()) ?? 0)).toBeLessThan(MINUTE_MS / 2);
    // An agent's message is not the player's activity.
    await setLastActive(2 * MINUTE_MS);
    const before = await lastActive();
    await fx().db.messages.append({ threadId: thread.id, senderId: 'cz', content: 'c' });
    expect(await lastActive()).toBe(before);
  });

  test('the same client message id twice stores one row and returns the same message', async () => {
    const { wallet, thread } = await openThread();
    const input = {
      threadId: thread.id,
      senderId: wallet,
      content: 'once',
      clientMessageId: 'retry-me',
    };
    const first = await fx().db.messages.append(input);
    const second = await fx().db.messages.append({ ...input, content: 'changed on retry' });
    expect(second.created).toBe(false);
    expect(second.message).toEqual(first.message);
    expect(await count(fx().sql, 'messages', 'thread_id = $1', [thread.id])).toBe(1);
  });

  test('announceAs announces each stored message once, when it commits, and nothing else', async () => {
    const listener = new pg.Client({ connectionString: fx().database.url });
    await listener.connect();
    const heard: Array<MessageAppendedEvent | null> = [];
    let onHeard = () => undefined as void;
    listener.on('notification', (n) => {
      if (n.channel !== MESSAGES_CHANNEL) return;
      heard.push(decodeMessageAppended(n.payload ?? ''));
      onHeard();
    });
    try {
      await listener.query(`LISTEN ${MESSAGES_CHANNEL}`);
      const { wallet, thread } = await openThread();
      const announced = { threadId: thread.id, senderId: wallet, announceAs: 'task-a' };
      const first = await fx().db.messages.append({
        ...announced,
        content: 'one',
        clientMessageId: 'a-1',
      });
      // Not announced: a retry that finds its message, an append without announceAs, and one
      // refused because the thread closed.
      await fx().db.messages.append({ ...announced, content: 'one', clientMessageId: 'a-1' });
      await fx().db.messages.append({ threadId: thread.id, senderId: 'cz', content: 'quiet' });
      const other = await openThread();
      await fx().db.threads.close(other.thread.id, 'idle');
      await expect(
        fx().db.messages.append({
          threadId: other.thread.id,
          senderId: other.wallet,
          content: 'late',
          announceAs: 'task-a',
        }),
      ).rejects.toBeInstanceOf(ThreadClosedError);
      // Notifications arrive in commit order: once this one is heard, any other would have been.
      const last = await fx().db.messages.append({
        ...announced,
        senderId: 'cz',
        content: 'three',
        announceAs: 'task-b',
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`heard ${JSON.stringify(heard)} within 5 s`)),
          5_000,
        );
        onHeard = () => {
          if (heard.length < 2) return;
          clearTimeout(timer);
          resolve();
        };
        onHeard();
      });
      expect(heard).toEqual([
        { threadId: thread.id, seq: first.message.seq, origin: 'task-a' },
        { threadId: thread.id, seq: last.message.seq, origin: 'task-b' },
      ]);
      expect(last.message.seq).toBe(3);
    } finally {
      await listener.end();
    }
  });

  test('decodeMessageAppended refuses payloads that are not announcements', () => {
    expect(decodeMessageAppended('{"t":"x","s":1,"k":"task"}')).toEqual({
      threadId: 'x',
      seq: 1,
      origin: 'task',
    });
    for (const bad of ['', 'not json', '{"t":"x","s":"1","k":"task"}', '{"t":"x","s":1}', 'null']) {
      expect(decodeMessageAppended(bad)).toBeNull();
    }
  });

  test('concurrent retries of one client message id store one row', async () => {
    const { wallet, thread } = await openThread();
    const input = {
      threadId: thread.id,
      senderId: wallet,
      content: 'race',
      clientMessageId: 'dup',
    };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => fx().db.messages.append(input)),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    expect(await count(fx().sql, 'messages', 'thread_id = $1', [thread.id])).toBe(1);
  });

  test('a retry that waited for the thread lock while its twin committed returns the twin and consumes no seq', async () => {
    const { wallet, thread } = await openThread();
    const input = { threadId: thread.id, senderId: wallet, content: 'twin', clientMessageId: 't' };
    // Hold the thread's row lock so both appends start (and take their snapshots) before either
    // can insert; the loser then only learns of the winner through the unique constraint.
    const holder = await fx().sql.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM threads WHERE id = $1 FOR UPDATE', [thread.id]);
      const both = Promise.all([fx().db.messages.append(input), fx().db.messages.append(input)]);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await fx().sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF t%'`,
        );
        if ((rows[0]?.n ?? 0) >= 2) break;
        if (Date.now() > deadline) throw new Error('the appends never waited for the lock');
        await new Promise((r) => setTimeout(r, 20));
      }
      await holder.query('COMMIT');
      const results = await both;
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(results[0]?.message).toEqual(results[1]?.message);
      expect(results[0]?.message.seq).toBe(1);
    } finally {
      holder.release();
    }
    const { rows } = await fx().sql.query<{ last_seq: number }>(
      'SELECT last_seq FROM threads WHERE id = $1',
      [thread.id],
    );
    expect(rows[0]?.last_seq).toBe(1);
    const next = await fx().db.messages.append({
      threadId: thread.id,
      senderId: 'cz',
      content: 'r',
    });
    expect(next.message.seq).toBe(2);
  });

  test('the same client message id in another thread is another message', async () => {
    const a = await openThread();
    const b = await openThread();
    const ma = await fx().db.messages.append({
      threadId: a.thread.id,
      senderId: a.wallet,
      content: 'x',
      clientMessageId: 'same',
    });
    const mb = await fx().db.messages.append({
      threadId: b.thread.id,
      senderId: b.wallet,
      content: 'x',
      clientMessageId: 'same',
    });
    expect(ma.created && mb.created).toBe(true);
    expect(ma.message.id).not.toBe(mb.message.id);
  });

  test('concurrent appends get gap-free sequence numbers and ids that sort in commit order', async () => {
    const { wallet, thread } = await openThread();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fx().db.messages.append({
          threadId: thread.id,
          senderId: i % 2 ? 'cz' : wallet,
          content: `m${i}`,
        }),
      ),
    );
    const seqs = results.map((r) => r.message.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const listed = await fx().db.messages.listAfter(thread.id);
    const ids = listed.map((m) => m.id);
    expect(ids).toEqual([...ids].sort());
    // createdAt is read under the thread's row lock, so it never decreases along seq.
    const times = listed.map((m) => m.createdAt.getTime());
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  test('a reader resuming after its last seen id never misses a message committed later', async () => {
    const { wallet, thread } = await openThread();
    const total = 30;
    const writers = Promise.all(
      [0, 1, 2].map(async (w) => {
        for (let i = w; i < total; i += 3) {
          await fx().db.messages.append({
            threadId: thread.id,
            senderId: i % 2 ? 'cz' : wallet,
            content: `m${i}`,
          });
        }
      }),
    );
    const seen: number[] = [];
    let cursor: string | undefined;
    const deadline = Date.now() + 15_000;
    while (seen.length < total && Date.now() < deadline) {
      const page = await fx().db.messages.listAfter(thread.id, cursor);
      for (const m of page) seen.push(m.seq);
      cursor = page.at(-1)?.id ?? cursor;
    }
    await writers;
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  test('listAfter returns the messages after the cursor, oldest first', async () => {
    const { wallet, thread } = await openThread();
    const sent = [];
    for (const content of ['one', 'two', 'three', 'four']) {
      sent.push(
        (await fx().db.messages.append({ threadId: thread.id, senderId: wallet, content })).message,
      );
    }
    expect((await fx().db.messages.listAfter(thread.id)).map((m) => m.content)).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
    expect(
      (await fx().db.messages.listAfter(thread.id, sent[1]?.id)).map((m) => m.content),
    ).toEqual(['three', 'four']);
    expect(await fx().db.messages.listAfter(thread.id, sent[3]?.id)).toEqual([]);
    expect(
      (await fx().db.messages.listAfter(thread.id, undefined, 2)).map((m) => m.content),
    ).toEqual(['one', 'two']);
  });

  test('listAfter rejects a cursor that is malformed or names another thread', async () => {
    const a = await openThread();
    const b = await openThread();
    const mb = await fx().db.messages.append({
      threadId: b.thread.id,
      senderId: b.wallet,
      content: 'b',
    });
    await expect(fx().db.messages.listAfter(a.thread.id, 'garbage')).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(fx().db.messages.listAfter(a.thread.id, mb.message.id)).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  test('append refuses a closed thread, an unknown thread and bad input, storing nothing', async () => {
    const { wallet, thread } = await openThread();
    await fx().db.threads.close(thread.id, 'player_closed');
    await expect(
      fx().db.messages.append({ threadId: thread.id, senderId: wallet, content: 'late' }),
    ).rejects.toBeInstanceOf(ThreadClosedError);
    await expect(
      fx().db.messages.append({
        threadId: '00000000-0000-4000-8000-000000000000',
        senderId: wallet,
        content: 'x',
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const open = await openThread();
    await expect(
      fx().db.messages.append({ threadId: open.thread.id, senderId: open.wallet, content: '' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      fx().db.messages.append({
        threadId: open.thread.id,
        senderId: open.wallet,
        content: 'x',
        mentions: [''],
      }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(
      await count(fx().sql, 'messages', 'thread_id = ANY($1)', [[thread.id, open.thread.id]]),
    ).toBe(0);
  });

  test('a retried client message id on a thread closed since returns the stored message', async () => {
    const { wallet, thread } = await openThread();
    const first = await fx().db.messages.append({
      threadId: thread.id,
      senderId: wallet,
      content: 'x',
      clientMessageId: 'k',
    });
    await fx().db.threads.close(thread.id, 'player_closed');
    const retry = await fx().db.messages.append({
      threadId: thread.id,
      senderId: wallet,
      content: 'x',
      clientMessageId: 'k',
    });
    expect(retry).toEqual({ message: first.message, created: false });
  });

  test('findUnanswered returns player messages after the last agent reply in open threads', async () => {
    const pool = `pool-unanswered-${Date.now()}`;
    const answered = await openThread(pool);
    await fx().db.messages.append({
      threadId: answered.thread.id,
      senderId: answered.wallet,
      content: 'q1',
    });
    await fx().db.messages.append({ threadId: answered.thread.id, senderId: 'cz', content: 'a1' });

    const pending = await openThread(pool, 'trump-donald');
    await fx().db.messages.append({
      threadId: pending.thread.id,
      senderId: pending.wallet,
      content: 'q1',
    });
    await fx().db.messages.append({
      threadId: pending.thread.id,
      senderId: 'trump-donald',
      content: 'a1',
    });
    await fx().db.messages.append({
      threadId: pending.thread.id,
      senderId: pending.wallet,
      content: 'q2',
    });
    await fx().db.messages.append({
      threadId: pending.thread.id,
      senderId: pending.wallet,
      content: 'q3',
    });

    const closed = await openThread(pool);
    await fx().db.messages.append({
      threadId: closed.thread.id,
      senderId: closed.wallet,
      content: 'q',
    });
    await fx().db.threads.close(closed.thread.id, 'player_closed');

    const found = await fx().db.messages.findUnanswered({ pool });
    expect(found.map((m) => [m.threadId, m.content])).toEqual([
      [pending.thread.id, 'q2'],
      [pending.thread.id, 'q3'],
    ]);
    expect(found[0]).toMatchObject({ pool, agentId: 'trump-donald', wallet: pending.wallet });
  });
});

describe('threads.countActive', () => {
  test('counts active sessions and open threads per pool and per task', async () => {
    const pool = `pool-count-${Date.now()}`;
    const a = await openThread(pool, 'cz', 'task-x');
    await fx().db.threads.create({ sessionId: a.session.id, agentId: 'trump-eric' });
    await openThread(pool, 'cz', 'task-y');
    const gone = await openThread(pool, 'cz', 'task-y');
    await fx().db.sessions.end(gone.session.id, 'logout');
    await fx().db.sessions.openOrReuse({ wallet: randomWallet(), pool, taskId: 'task-z' }); // no thread

    const counts = await fx().db.threads.countActive();
    expect(counts.pools.find((p) => p.pool === pool)).toEqual({
      pool,
      activeSessions: 3,
      activeThreads: 3,
    });
    expect(counts.tasks.filter((t) => t.pool === pool)).toEqual([
      { taskId: 'task-x', pool, activeSessions: 1, activeThreads: 2 },
      { taskId: 'task-y', pool, activeSessions: 1, activeThreads: 1 },
      { taskId: 'task-z', pool, activeSessions: 1, activeThreads: 0 },
    ]);
  });
});

describe('threads.createAdmitted by wallet', () => {
  const limits = { agentId: 'cz', maxOpenPerWallet: 2, poolCapacity: 100 };

  test('opens the thread in the wallet’s active session on one of the pools, else no_session', async () => {
    const wallet = randomWallet();
    expect(await fx().db.threads.createAdmitted({ wallet, pools: ['pool-0'], ...limits })).toEqual({
      admitted: false,
      reason: 'no_session',
    });
    const { session } = await fx().db.sessions.openOrReuse({
      wallet,
      pool: 'pool-1',
      taskId: 'task-1',
    });
    // A session on a pool not in the list is not this caller's to use.
    expect(await fx().db.threads.createAdmitted({ wallet, pools: ['pool-0'], ...limits })).toEqual({
      admitted: false,
      reason: 'no_session',
    });
    const loads: string[] = [];
    const r = await fx().db.threads.createAdmitted({
      wallet,
      pools: ['pool-0', 'pool-1'],
      ...limits,
      poolLoadAtLeast: (pool) => {
        loads.push(pool);
        return 0;
      },
    });
    expect(r).toMatchObject({
      admitted: true,
      thread: { sessionId: session.id, pool: 'pool-1', agentId: 'cz', wallet },
    });
    expect(loads).toEqual(['pool-1']);
    await fx().db.threads.createAdmitted({ wallet, pools: ['pool-1'], ...limits });
    expect(await fx().db.threads.createAdmitted({ wallet, pools: ['pool-1'], ...limits })).toEqual({
      admitted: false,
      reason: 'wallet_limit',
      open: 2,
      limit: 2,
    });
    await fx().db.sessions.end(session.id, 'test');
    expect(await fx().db.threads.createAdmitted({ wallet, pools: ['pool-1'], ...limits })).toEqual({
      admitted: false,
      reason: 'no_session',
    });
  });
});

describe('pool_open_threads (the count thread admission reads)', () => {
  const kept = async (taskId: string, pool: string) => {
    const { rows } = await fx().sql.query<{ n: number }>(
      'SELECT open_threads AS n FROM pool_open_threads WHERE task_id = $1 AND pool = $2',
      [taskId, pool],
    );
    return rows[0]?.n ?? 0;
  };
  const actual = (taskId: string, pool: string) =>
    count(
      fx().sql,
      'threads t JOIN sessions s ON s.id = t.session_id',
      's.task_id = $1 AND t.pool = $2 AND t.closed_at IS NULL',
      [taskId, pool],
    );

  test('follows every way a thread opens, closes, reopens or goes, per task and pool', async () => {
    const pool = `pool-kept-${Date.now()}`;
    const a = await openThread(pool, 'cz', 'task-a');
    const b = await openThread(pool, 'cz', 'task-b');
    const second = await fx().db.threads.createAdmitted({
      sessionId: a.session.id,
      agentId: 'trump-eric',
      maxOpenPerWallet: 5,
      poolCapacity: 10,
    });
    expect(second.admitted).toBe(true);
    expect([await kept('task-a', pool), await kept('task-b', pool)]).toEqual([2, 1]);

    await fx().db.threads.close(a.thread.id, 'test');
    await fx().db.threads.close(a.thread.id, 'again'); // already closed: no move
    expect(await kept('task-a', pool)).toBe(1);
    await fx().sql.query('UPDATE threads SET closed_at = NULL WHERE id = $1', [a.thread.id]);
    expect(await kept('task-a', pool)).toBe(2);
    await fx().db.sessions.end(a.session.id, 'logout'); // closes both of its threads
    expect(await kept('task-a', pool)).toBe(0);
    await fx().sql.query('DELETE FROM threads WHERE id = $1', [b.thread.id]);
    expect(await kept('task-b', pool)).toBe(0);
    expect([await actual('task-a', pool), await actual('task-b', pool)]).toEqual([0, 0]);
  });

  test('racing admissions fill a pool exactly to its capacity, and its count stays true', async () => {
    const pool = `pool-race-${Date.now()}`;
    const sessions = await Promise.all(
      Array.from({ length: 12 }, () =>
        fx().db.sessions.openOrReuse({ wallet: randomWallet(), pool, taskId: 'task-r' }),
      ),
    );
    const results = await Promise.all(
      sessions.map(({ session }) =>
        fx().db.threads.createAdmitted({
          sessionId: session.id,
          agentId: 'cz',
          maxOpenPerWallet: 5,
          poolCapacity: 7,
        }),
      ),
    );
    expect(results.filter((r) => r.admitted)).toHaveLength(7);
    expect(results.filter((r) => !r.admitted)).toEqual(
      Array.from({ length: 5 }, () => ({
        admitted: false,
        reason: 'pool_full',
        pool,
        load: 7,
        capacity: 7,
      })),
    );
    expect(await kept('task-r', pool)).toBe(7);
    expect(await actual('task-r', pool)).toBe(7);
  });
});
