// Locks in the reader/writer split against a real read replica: the reader is a streaming hot
// standby of the writer (@pardon/test-env's `useTestDbWithReplica`). With its WAL replay paused the
// standby shows the past, so a read that went to the reader visibly lags, and catches up once replay
// resumes; reads a player must see right after writing still see them, so they went to the writer.
import { useTestDbWithReplica } from '@pardon/test-env';
import { createDb } from '../src';
import { randomWallet } from '../src/testing';

const getDb = useTestDbWithReplica((url, readUrl) =>
  createDb({ writeUrl: url, readUrl, writePoolSize: 2, readPoolSize: 2 }),
);

afterEach(async () => {
  await getDb().resumeReplay(); // a failed test must not leave the next one reading the past
});

test('leaderboard, payment volume and pool-health history are read from the reader: they lag while replay is paused and catch up after', async () => {
  const { db, query, readQuery, pauseReplay, resumeReplay, waitForReplay, lag } = getDb();
  const window = { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000) };
  const wallet = randomWallet();
  // The reader answers (and is a standby: it refuses writes).
  expect(await db.users.leaderboard(window)).toEqual([]);
  await expect(readQuery(`DELETE FROM users`)).rejects.toThrow(
    'cannot execute DELETE in a read-only transaction',
  );

  await pauseReplay();
  await db.users.addScore(wallet, 5);
  await db.payments.record({
    signature: 'w',
    fromWallet: wallet,
    toAgent: 'cz',
    amount: '1',
    currency: 'SOL',
    serviceType: 's',
    verified: true,
  });
  await db.poolHealth.record([
    {
      taskId: 'writer-task',
      pool: 'pool-0',
      status: 'healthy',
      activeThreads: 0,
      activeSessions: 0,
      agentsConnected: 6,
      takenAt: new Date(),
    },
  ]);
  // Committed on the writer…
  expect(await query('SELECT wallet FROM users')).toHaveLength(1);
  expect((await lag()).bytes).toBeGreaterThan(0);
  // …and not yet on the reader, which is where these reads went.
  expect(await db.users.leaderboard(window)).toEqual([]);
  expect(await db.payments.volume(window)).toEqual([]);
  expect(await db.poolHealth.latest()).toEqual([]);

  await resumeReplay();
  await waitForReplay();
  expect((await db.users.leaderboard(window)).map((e) => e.wallet)).toEqual([wallet]);
  expect((await db.payments.volume(window)).map((v) => v.total.toFixed())).toEqual(['1']);
  expect((await db.poolHealth.latest()).map((s) => s.taskId)).toEqual(['writer-task']);
});

test('reads a player must see right after writing go to the writer', async () => {
  const { db, readQuery, pauseReplay } = getDb();
  const wallet = randomWallet();
  await pauseReplay(); // the reader cannot see anything written from here on
  const { session } = await db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 't' });
  const thread = await db.threads.create({ sessionId: session.id, agentId: 'cz' });
  const { message } = await db.messages.append({
    threadId: thread.id,
    senderId: wallet,
    content: 'hi',
  });
  expect((await db.sessions.findActive(wallet))?.id).toBe(session.id);
  expect((await db.threads.get(thread.id))?.wallet).toBe(wallet);
  expect(await db.threads.listForWallet(wallet)).toHaveLength(1);
  expect(await db.messages.listAfter(thread.id)).toEqual([message]);
  expect((await db.threads.countActive()).pools).toEqual([
    { pool: 'pool-0', activeSessions: 1, activeThreads: 1 },
  ]);
  // The standby really is behind: none of it is there yet.
  expect(await readQuery('SELECT id FROM sessions WHERE id = $1', [session.id])).toEqual([]);
});
