import { randomUUID } from 'node:crypto';
import { CallError, StoppedError, seqOf, type ApiClient, type ApiMessage } from './client';
import type { JourneyKind } from './mix';
import type { LoadStats } from './stats';
import { newWallet, type Wallet } from './wallets';
import { GAME_AGENT_IDS } from '@pardon/coral';

/** The six agents (apps/agents personas); a thread talks to one of them. */
export const AGENTS = GAME_AGENT_IDS;

/** What players say: greetings, pardon requests (which make agents consult trump-donald), money. */
const LINES = [
  'Hello! I am new here and would like to talk.',
  'I would like a pardon, please. What would it take?',
  'How much would a favour cost me, in USDC?',
  'What do you think about crypto these days?',
  'Could you put in a good word with Donald for my pardon?',
  'Is there anything I can do for you in return?',
  'Why should I trust you with this?',
];

/** What a player needs from the run. */
export interface PlayerContext {
  client: ApiClient;
  stats: LoadStats;
  rng: () => number;
  /** ms since the run started. */
  elapsed(): number;
  /** False once this player should wind down (ramp-down, end of run, request budget). */
  active(): boolean;
  /** Resolves after `ms`, early once this player is retired (`active()` false) or the run stops. */
  pause(ms: number): Promise<void>;
  /**
   * Calls `onStop` at the run's hard deadline (everything in flight gives up); returns the
   * unsubscribe. Not called if the deadline has passed already: check `stopped()` first.
   */
  onStop(onStop: () => void): () => void;
  /** True once the run's hard deadline has passed. */
  stopped(): boolean;
  thinkMs: { min: number; max: number };
  messagesPerConversation: number;
  replyTimeoutMs: number;
  returningWallet(): Wallet;
  /** Reports the pool of the player's session (undefined when the visit ends). */
  onPool(pool: string | undefined): void;
}

const pick = <T>(rng: () => number, items: readonly T[]): T =>
  items[Math.floor(rng() * items.length)] as T;

/** A thread with its event stream open, collecting the agents' messages as they arrive. */
class Conversation {
  private readonly agentMessages: Array<{ seq: number; atMs: number }> = [];
  private waiter: (() => void) | undefined;
  private stream: { close(): void } | undefined;

  constructor(
    readonly threadId: string,
    readonly agentId: string,
    private readonly wallet: string,
    private readonly ctx: PlayerContext,
  ) {}

  async open(token: string): Promise<void> {
    this.stream = await this.ctx.client.events(this.threadId, token, (m: ApiMessage) => {
      if (m.senderId === this.wallet) return;
      this.agentMessages.push({ seq: seqOf(m.id), atMs: this.ctx.elapsed() });
      this.waiter?.();
    });
  }

  /**
   * Sends one message and waits for the first agent message after it: the send→reply time is
   * from just before the POST to the reply's arrival on the stream.
   */
  async exchange(token: string, content: string): Promise<void> {
    const sentAt = this.ctx.elapsed();
    const { messageId } = await this.ctx.client.call<{ messageId: string }>(
      'POST',
      `/api/threads/${this.threadId}/messages`,
      token,
      { content, clientMessageId: randomUUID() },
    );
    this.ctx.stats.messageSent(sentAt);
    const mine = seqOf(messageId);
    const deadline = sentAt + this.ctx.replyTimeoutMs;
    for (;;) {
      const reply = this.agentMessages.find((m) => m.seq > mine);
      if (reply) {
        this.ctx.stats.reply(reply.atMs, reply.atMs - sentAt);
        return;
      }
      const left = deadline - this.ctx.elapsed();
      if (left <= 0) {
        this.ctx.stats.replyTimeout(this.ctx.elapsed(), this.ctx.replyTimeoutMs);
        return;
      }
      const stopped = await new Promise<boolean>((resolve) => {
        if (this.ctx.stopped()) return resolve(true);
        const done = (value: boolean) => {
          clearTimeout(timer);
          unsubscribe();
          resolve(value);
        };
        const timer = setTimeout(() => done(false), left);
        this.waiter = () => done(false);
        const unsubscribe = this.ctx.onStop(() => done(true));
      });
      this.waiter = undefined;
      if (stopped && !this.agentMessages.some((m) => m.seq > mine)) throw new StoppedError();
    }
  }

  close(): void {
    this.stream?.close();
  }
}

async function signIn(ctx: PlayerContext, wallet: Wallet): Promise<string> {
  const nonce = await ctx.client.call<{ nonce: string; message: string }>(
    'POST',
    '/api/auth/nonce',
    undefined,
    { wallet: wallet.address },
  );
  const verified = await ctx.client.call<{ token: string }>('POST', '/api/auth/verify', undefined, {
    wallet: wallet.address,
    nonce: nonce.nonce,
    signature: wallet.sign(nonce.message),
  });
  return verified.token;
}

/** A player's pause between messages; cut short when the player is retired (ramp-down, end). */
async function think(ctx: PlayerContext): Promise<void> {
  const { min, max } = ctx.thinkMs;
  await ctx.pause(min + ctx.rng() * (max - min));
}

/**
 * Talks in `agents.length` threads at once, one message at a time round-robin, like a player
 * with several chats open; closes every thread at the end (open threads hold pool capacity).
 */
async function converse(
  ctx: PlayerContext,
  wallet: Wallet,
  token: string,
  agents: string[],
): Promise<void> {
  const session = await ctx.client.call<{ pool: string }>('POST', '/api/sessions', token);
  ctx.onPool(session.pool);
  const conversations: Conversation[] = [];
  try {
    for (const agentId of agents) {
      const t = await ctx.client.call<{ threadId: string }>('POST', '/api/threads', token, {
        agentId,
      });
      const c = new Conversation(t.threadId, agentId, wallet.address, ctx);
      conversations.push(c);
      await c.open(token);
    }
    const turns = ctx.messagesPerConversation * conversations.length;
    for (let turn = 0; turn < turns && ctx.active(); turn++) {
      const c = conversations[turn % conversations.length] as Conversation;
      await c.exchange(token, pick(ctx.rng, LINES));
      if (turn + 1 < turns) await think(ctx);
    }
  } finally {
    for (const c of conversations) c.close();
    for (const c of conversations) {
      await ctx.client.call('DELETE', `/api/threads/${c.threadId}`, token).catch(ignoreCallError);
    }
    ctx.onPool(undefined);
  }
}

function ignoreCallError(error: unknown): void {
  // Already counted by the client; the visit is over anyway. A stop propagates.
  if (!(error instanceof CallError)) throw error;
}

/** One visit of a virtual player. Failures end the visit; they are counted by the client. */
export async function runJourney(kind: JourneyKind, ctx: PlayerContext): Promise<void> {
  ctx.stats.journey(kind);
  try {
    switch (kind) {
      case 'new': {
        const wallet = newWallet();
        await converse(ctx, wallet, await signIn(ctx, wallet), [pick(ctx.rng, AGENTS)]);
        break;
      }
      case 'returning': {
        const wallet = ctx.returningWallet();
        const token = await signIn(ctx, wallet);
        await ctx.client.call('GET', '/api/threads', token);
        await converse(ctx, wallet, token, [pick(ctx.rng, AGENTS)]);
        break;
      }
      case 'multiAgent': {
        const wallet = ctx.returningWallet();
        const first = pick(ctx.rng, AGENTS);
        const second = pick(
          ctx.rng,
          AGENTS.filter((a) => a !== first),
        );
        await converse(ctx, wallet, await signIn(ctx, wallet), [first, second]);
        break;
      }
      case 'leaderboard': {
        const token = await signIn(ctx, ctx.returningWallet());
        await ctx.client.call('GET', '/api/leaderboard?limit=10', token);
        break;
      }
    }
  } catch (error) {
    if (error instanceof CallError || error instanceof StoppedError) return;
    throw error;
  }
}
