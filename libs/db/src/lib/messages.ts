import { Prisma } from '../generated/prisma/client';
import { inTransaction, isUuid, type RepoContext } from './context';
import { InvalidInputError, NotFoundError, ThreadClosedError } from './errors';
import { requireText } from './sessions';
import type { Message, UnansweredMessage } from './types';

const MESSAGE_SQL_COLUMNS = `m.id, m.thread_id::text AS "threadId", m.seq, m.sender_id AS "senderId", m.content,
   COALESCE(m.mentions, ARRAY[]::text[]) AS mentions, m.client_message_id AS "clientMessageId",
   m.created_at AS "createdAt"`;
const MESSAGE_COLUMNS = Prisma.raw(MESSAGE_SQL_COLUMNS);

const SEQ_DIGITS = 10;
const MESSAGE_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{10})$/;
const MAX_CONTENT_CHARS = 20_000;
const MAX_MENTIONS = 16;

/**
 * Message ids are `<threadId>-<seq, 10 digits>`: unique, and within a thread they sort (as
 * strings) in the order the messages committed.
 */
export function messageId(threadId: string, seq: number): string {
  return `${threadId}-${String(seq).padStart(SEQ_DIGITS, '0')}`;
}

/** The (threadId, seq) a message id names, or null when it is not one of ours. */
export function parseMessageId(id: string): { threadId: string; seq: number } | null {
  const match = MESSAGE_ID.exec(id);
  return match?.[1] && match[2] ? { threadId: match[1], seq: Number(match[2]) } : null;
}

export interface AppendMessageInput {
  threadId: string;
  /** The player's wallet or an agent id. */
  senderId: string;
  content: string;
  mentions?: string[];
  /** Idempotency key chosen by the client: the same key in the same thread stores one message. */
  clientMessageId?: string;
}

export interface MessagesRepository {
  /**
   * Appends a message under the thread's row lock, so sequence order is commit order: a reader
   * that saw message n can never later find a message with a smaller id. Idempotent on
   * (threadId, clientMessageId). A player message also counts as session activity.
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
      if (!isUuid(threadId)) return Promise.reject(new NotFoundError('thread', threadId));

      return ctx.run('messages.append', () =>
        inTransaction(ctx.writerPool, async (client) => {
          const locked = await client.query<{ closed: boolean; wallet: string; sessionId: string }>(
            `SELECT t.closed_at IS NOT NULL AS closed, s.wallet, s.id::text AS "sessionId"
             FROM threads t JOIN sessions s ON s.id = t.session_id
             WHERE t.id = $1::uuid
             FOR UPDATE OF t`,
            [threadId],
          );
          const thread = locked.rows[0];
          if (!thread) throw new NotFoundError('thread', threadId);
          if (clientMessageId !== null) {
            const existing = await client.query<Message>(
              `SELECT ${MESSAGE_SQL_COLUMNS} FROM messages m
               WHERE m.thread_id = $1::uuid AND m.client_message_id = $2`,
              [threadId, clientMessageId],
            );
            if (existing.rows[0]) return { message: existing.rows[0], created: false };
          }
          if (thread.closed) throw new ThreadClosedError(threadId);
          const fromPlayer = senderId === thread.wallet;
          const inserted = await client.query<Message>(
            `WITH clock AS (
               -- Read under the thread's row lock, so createdAt never decreases along seq.
               SELECT clock_timestamp() AS at
             ), t AS (
               UPDATE threads SET
                 last_seq = last_seq + 1,
                 last_player_seq = CASE WHEN $2::boolean THEN last_seq + 1 ELSE last_player_seq END,
                 last_agent_seq = CASE WHEN $2::boolean THEN last_agent_seq ELSE last_seq + 1 END,
                 last_message_at = (SELECT at FROM clock),
                 updated_at = (SELECT at FROM clock)
               WHERE id = $1::uuid
               RETURNING last_seq
             )
             INSERT INTO messages AS m (id, thread_id, seq, sender_id, content, mentions,
                                        client_message_id, created_at, updated_at)
             SELECT $1::text || '-' || lpad(t.last_seq::text, ${SEQ_DIGITS}, '0'), $1::uuid,
                    t.last_seq, $3, $4, $5::text[], $6, clock.at, clock.at
             FROM t, clock
             RETURNING ${MESSAGE_SQL_COLUMNS}`,
            [threadId, fromPlayer, senderId, content, mentions, clientMessageId],
          );
          const message = inserted.rows[0];
          if (!message) throw new NotFoundError('thread', threadId);
          if (fromPlayer) {
            await client.query(
              `WITH s AS (
                 UPDATE sessions SET last_activity_at = now(), updated_at = now()
                 WHERE id = $1::uuid AND ended_at IS NULL
                 RETURNING wallet
               )
               UPDATE users SET last_active_at = now(), updated_at = now()
               FROM s WHERE users.wallet = s.wallet`,
              [thread.sessionId],
            );
          }
          return { message, created: true };
        }),
      );
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
      return ctx.run(
        'messages.listAfter',
        () =>
          ctx.writer.$queryRaw<Message[]>`
          SELECT ${MESSAGE_COLUMNS} FROM messages m
          WHERE m.thread_id = ${threadId}::uuid AND m.seq > ${afterSeq}
          ORDER BY m.seq
          LIMIT ${limit}`,
      );
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
