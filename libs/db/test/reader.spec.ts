// Locks in the reader/writer split: reads that may lag go to DATABASE_READ_URL, everything else
// to the writer. The "replica" here is a separate database, so where each read went is visible.
import { createTestDatabase, type TestDatabase } from '@pardon/test-env';
import { createDb, type Db } from '../src';
import { randomWallet } from '../src/testing';

let writerDb: TestDatabase;
let readerDb: TestDatabase;
let db: Db;
let readerOnly: Db;

beforeAll(async () => {
  [writerDb, readerDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  db = createDb({
    writeUrl: writerDb.url,
    readUrl: readerDb.url,
    writePoolSize: 2,
    readPoolSize: 2,
  });
  readerOnly = createDb({ writeUrl: readerDb.url, writePoolSize: 1 });
});
afterAll(async () => {
  await db?.close();
  await readerOnly?.close();
  await Promise.all([writerDb?.drop(), readerDb?.drop()]);
});

test('leaderboard, payment volume and pool-health history are read from the reader', async () => {
  const window = { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000) };
  const onWriter = randomWallet();
  const onReader = randomWallet();
  await db.users.addScore(onWriter, 5);
  await db.payments.record({
    signature: 'w',
    fromWallet: onWriter,
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
  await readerOnly.users.addScore(onReader, 7);
  await readerOnly.payments.record({
    signature: 'r',
    fromWallet: onReader,
    toAgent: 'cz',
    amount: '2',
    currency: 'SOL',
    serviceType: 's',
    verified: true,
  });
  await readerOnly.poolHealth.record([
    {
      taskId: 'reader-task',
      pool: 'pool-0',
      status: 'degraded',
      activeThreads: 0,
      activeSessions: 0,
      agentsConnected: 5,
      takenAt: new Date(),
    },
  ]);

  expect((await db.users.leaderboard(window)).map((e) => e.wallet)).toEqual([onReader]);
  expect((await db.payments.volume(window)).map((v) => v.total.toFixed())).toEqual(['2']);
  expect((await db.poolHealth.latest()).map((s) => s.taskId)).toEqual(['reader-task']);
});

test('reads a player must see right after writing go to the writer', async () => {
  const wallet = randomWallet();
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
  expect(await readerOnly.sessions.findActive(wallet)).toBeNull();
});
