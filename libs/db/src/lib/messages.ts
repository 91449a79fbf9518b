import { Prisma } from '../generated/prisma/client';
import { isUuid, type RepoContext } from './context';
import { InvalidInputError, NotFoundError, ThreadClosedError } from './errors';
import { requireText } from './sessions';
import type { Message, UnansweredMessage } from './types';

const MESSAGE_SQL_COLUMNS = `m.id, m.thread_id::text AS "threadId", m.seq, m.sender_id AS "senderId", m.content,
   COALESCE(m.mentions, ARRAY[]::text[]) AS mentions, m.client_message_id AS "clientMessageId",
   m.created_at AS "createdAt"`;
const MESSAGE_COLUMNS = Prisma.raw(MESSAGE_SQL_COLUMNS);

const SEQ_DIGITS = 10;

/**
 * PostgreSQL NOTIFY channel on which an append announces itself (see
 * {@link AppendMessageInput.announceAs}), so every gateway can push the message to the event
 * streams it holds for the thread. The payload names the message, never its content (NOTIFY
 * payloads are capped at 8000 bytes).
 */
export const MESSAGES_CHANNEL = 'pardon_messages';

/** The sender id of the server's own messages on a thread (a settled payment's notice). */
export const SYSTEM_SENDER = 'system';

/** What listeners hear on {@link MESSAGES_CHANNEL}. */
export interface MessageAppendedEvent {
  threadId: string;
  seq: number;
  /** The `announceAs` of the append: a task skips its own announcements. */
  origin: string;
}

/** Parses a {@link MESSAGES_CHANNEL} payload; null when it is not one. */
export function decodeMessageAppended(payload: string): MessageAppendedEvent | null {
  try {
    const p = JSON.parse(payload) as { t?: unknown; s?: unknown; k?: unknown };
    if (typeof p.t !== 'string' || typeof p.s !== 'number' || typeof p.k !== 'string') return null;
    return { threadId: p.t, seq: p.s, origin: p.k };
  } catch {
    return null;
  }
}
const MESSAGE_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{10})$/;
const MAX_CONTENT_CHARS = 20_000;
const MAX_MENTIONS = 16;

type AppendRow = Omit<Message, 'id'> & {
  id: string;
  outcome: 'created' | 'existing' | 'closed' | 'raced';
};

/**
 * One statement, one round trip, its own transaction. `th` takes the thread's row lock first, so
 * seq = last_seq + 1 is assigned and committed under it: commit order is seq order, and readers
 * never see a gap. The idempotency check (`prior`) reads the statement's snapshot; a duplicate
 * that committed while this statement waited for the lock is caught by ON CONFLICT instead, and
 * then nothing moves (no seq is consumed) and the row reports 'raced'. A thread that is closed
 * still answers a retry of a stored message, as idempotency requires; otherwise 'closed'. No row
 * at all means no such thread.
 */
export const APPEND_SQL = `
WITH th AS (
  SELECT t.last_seq, t.closed_at IS NOT NULL AS closed, t.session_id, s.wallet = $2 AS from_player
  FROM threads t JOIN sessions s ON s.id = t.session_id
  WHERE t.id = $1::uuid
  FOR UPDATE OF t
), prior AS (
  SELECT ${MESSAGE_SQL_COLUMNS} FROM messages m
  WHERE $5::text IS NOT NULL AND m.thread_id = $1::uuid AND m.client_message_id = $5::text
), nxt AS (
  -- clock_timestamp() is read per row of th, i.e. under the lock: createdAt never decreases
  -- along seq.
  SELECT th.last_seq + 1 AS seq, clock_timestamp() AS at, th.from_player, th.session_id
  FROM th WHERE NOT th.closed AND NOT EXISTS (SELECT 1 FROM prior)
), ins AS (
  INSERT INTO messages AS m (id, thread_id, seq, sender_id, content, mentions, client_message_id,
                             created_at, updated_at)
  SELECT $1::text || '-' || lpad(nxt.seq::text, ${SEQ_DIGITS}, '0'), $1::uuid, nxt.seq, $2, $3,
         $4::text[], $5::text, nxt.at, nxt.at
  FROM nxt
  ON CONFLICT (thread_id, client_message_id) DO NOTHING
  RETURNING ${MESSAGE_SQL_COLUMNS}
), moved AS (
  -- A data-modifying CTE runs to completion, RETURNING included, whether or not it is read: the
  -- announcement rides on it, and NOTIFY delivers it when (and only if) the append commits.
  UPDATE threads SET
    last_seq = nxt.seq,
    last_player_seq = CASE WHEN nxt.from_player THEN nxt.seq ELSE last_player_seq END,
    -- The server's own notices (a verified payment) answer no player message.
    last_agent_seq = CASE WHEN nxt.from_player OR $2 = '${SYSTEM_SENDER}' THEN last_agent_seq
                          ELSE nxt.seq END,
    last_message_at = nxt.at,
    updated_at = nxt.at
  FROM nxt
  WHERE threads.id = $1::uuid AND EXISTS (SELECT 1 FROM ins)
  RETURNING CASE WHEN $6::text IS NOT NULL THEN
    pg_notify('${MESSAGES_CHANNEL}', json_build_object('t', threads.id::text, 's', nxt.seq, 'k', $6::text)::text)
  END
), session_active AS (
  UPDATE sessions SET last_activity_at = now(), updated_at = now()
  FROM nxt
  WHERE nxt.from_player AND sessions.id = nxt.session_id AND sessions.ended_at IS NULL
    AND EXISTS (SELECT 1 FROM ins)
  RETURNING sessions.wallet
), user_active AS (
  -- The leaderboard reads users.last_active_at by the day or week; moving it at most once a
  -- minute spares a non-HOT update (two index entries) on nearly every player message.
  UPDATE users SET last_active_at = now(), updated_at = now()
  FROM session_active
  WHERE users.wallet = session_active.wallet
    AND users.last_active_at < now() - interval '1 minute'
  RETURNING 1
)
SELECT 'created' AS outcome, ins.* FROM ins
UNION ALL
SELECT 'existing', prior.* FROM prior
UNION ALL
SELECT CASE WHEN th.closed THEN 'closed' ELSE 'raced' END, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL
FROM th WHERE NOT EXISTS (SELECT 1 FROM ins) AND NOT EXISTS (SELECT 1 FROM prior)`;

/**
 * Message ids are `<threadId>-<seq, 10 digits>`: unique, and within a thread they sort (as
 * strings) in the order the messages committed.
 */
export function messageId(threadId: string, seq: number): string {
  return `${threadId}-${String(seq).padStart(SEQ_DIGITS, '0')}`;
}

/** The largest seq a message can have (`messages.seq` is an int4). */
export const MAX_MESSAGE_SEQ = 2_147_483_647;

/**
 * The (threadId, seq) a message id names, or null when it is not one of ours (a seq beyond
 * {@link MAX_MESSAGE_SEQ} included: used as a cursor it would make PostgreSQL refuse the query).
 */
export function parseMessageId(id: string): { threadId: string; seq: number } | null {
  const match = MESSAGE_ID.exec(id);
  if (!match?.[1] || !match[2]) return null;
  const seq = Number(match[2]);
  return seq <= MAX_MESSAGE_SEQ ? { threadId: match[1], seq } : null;
}

export interface AppendMessageInput {
  threadId: string;
  /** The player's wallet or an agent id. */
  senderId: string;
  content: string;
  mentions?: string[];
  /** Idempotency key chosen by the client: the same key in the same thread stores one message. */
  clientMessageId?: string;
  /**
   * When set, a new message is announced on {@link MESSAGES_CHANNEL} with this origin, in the
   * append's own transaction: no extra round trip, and listeners hear of exactly the messages
   * that committed. A retry that finds its message stored announces nothing (the first did).
   */
  announceAs?: string;
}

export interface MessagesRepository {
  /**
   * Appends a message under the thread's row lock, so sequence order is commit order: a reader
   * that saw message n can never later find a message with a smaller id. Idempotent on
   * (threadId, clientMessageId). A player message also counts as session activity (and, at most
   * once a minute, as the user's).
   */
  append(input: AppendMessageInput): Promise<{ message: Message; created: boolean }>;
  /** Messages after the cursor (exclusive), oldest first. */
  listAfter(threadId: string, afterMessageId?: string, limit?: number): Promise<Message[]>;
  /**
   * Player messages in open threads with no agent message after them, oldest first per thread,
   * so a task that takes over a pool can deliver them again.
   */
  findUnanswered(options?: { pool?: string; limit?: number }): Promise<UnansweredMessage[]>;
}

export function messagesRepository(ctx: RepoContext): MessagesRepository {
  return {
    append: (input) => {
      const { threadId, senderId, content } = input;
      const mentions = input.mentions ?? [];
      const clientMessageId = input.clientMessageId ?? null;
      const announceAs = input.announceAs ?? null;
      requireText('senderId', senderId);
      if (
        typeof content !== 'string' ||
        content.length === 0 ||
        content.length > MAX_CONTENT_CHARS
      ) {
        throw new InvalidInputError(
          'content',
          `content must be a non-empty string of at most ${MAX_CONTENT_CHARS} chars`,
        );
      }
      if (
        !Array.isArray(mentions) ||
        mentions.length > MAX_MENTIONS ||
        mentions.some((m) => typeof m !== 'string' || m.length === 0 || m.length > 200)
      ) {
        throw new InvalidInputError('mentions', `mentions must be at most ${MAX_MENTIONS} ids`);
      }
      if (clientMessageId !== null) requireText('clientMessageId', clientMessageId);
      if (announceAs !== null) requireText('announceAs', announceAs);
      if (!isUuid(threadId)) return Promise.reject(new NotFoundError('thread', threadId));

      return ctx.run('messages.append', async () => {
        // A named statement is parsed and planned once per connection: planning this statement
        // costs PostgreSQL about twice its execution (`npx nx run db:bench` measures both ways),
        // and the append is the hot path.
        const { rows } = await ctx.writerPool.query<AppendRow>({
          name: 'messages.append',
          text: APPEND_SQL,
          values: [threadId, senderId, content, mentions, clientMessageId, announceAs],
        });
        const row = rows[0];
        if (!row) throw new NotFoundError('thread', threadId);
        if (row.outcome === 'created' || row.outcome === 'existing') {
          const { outcome, ...message } = row;
          return { message: message as Message, created: outcome === 'created' };
        }
        if (row.outcome === 'closed') throw new ThreadClosedError(threadId);
        // 'raced': a concurrent append with this clientMessageId committed after this statement's
        // snapshot was taken (it waited for the thread lock meanwhile), so the row is read anew.
        const again = await ctx.writerPool.query<Message>(
          `SELECT ${MESSAGE_SQL_COLUMNS} FROM messages m
           WHERE m.thread_id = $1::uuid AND m.client_message_id = $2`,
          [threadId, clientMessageId],
        );
        const existing = again.rows[0];
        if (!existing) throw new Error(`messages.append: lost the race for ${threadId}`);
        return { message: existing, created: false };
      });
    },

    listAfter: (threadId, afterMessageId, limit = 500) => {
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new InvalidInputError('limit', 'limit must be an integer in [1, 1000]');
      }
      if (!isUuid(threadId)) return Promise.reject(new NotFoundError('thread', threadId));
      let afterSeq = 0;
      if (afterMessageId !== undefined && afterMessageId !== '') {
        const cursor = parseMessageId(afterMessageId);
        if (!cursor || cursor.threadId !== threadId.toLowerCase()) {
          throw new InvalidInputError('after', 'after must be the id of a message of this thread');
        }
        afterSeq = cursor.seq;
      }
      // Every event stream reads it on open: pg directly, a named statement.
      return ctx.run('messages.listAfter', async () => {
        const { rows } = await ctx.writerPool.query<Message>({
          name: 'messages.listAfter',
          text: `SELECT ${MESSAGE_SQL_COLUMNS} FROM messages m
                 WHERE m.thread_id = $1::uuid AND m.seq > $2
                 ORDER BY m.seq
                 LIMIT $3`,
          values: [threadId, afterSeq, limit],
        });
        return rows;
      });
    },

    findUnanswered: ({ pool, limit = 1000 } = {}) => {
      if (pool !== undefined) requireText('pool', pool);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new InvalidInputError('limit', 'limit must be an integer in [1, 10000]');
      }
      return ctx.run(
        'messages.findUnanswered',
        () =>
          ctx.writer.$queryRaw<UnansweredMessage[]>`
          SELECT ${MESSAGE_COLUMNS}, t.pool, t.agent_id AS "agentId", s.wallet
          FROM threads t
          JOIN sessions s ON s.id = t.session_id
          JOIN messages m ON m.thread_id = t.id AND m.seq > t.last_agent_seq AND m.sender_id = s.wallet
          WHERE t.closed_at IS NULL AND t.last_player_seq > t.last_agent_seq
            ${pool !== undefined ? Prisma.sql`AND t.pool = ${pool}` : Prisma.empty}
          ORDER BY t.id, m.seq
          LIMIT ${limit}`,
      );
    },
  };
}
