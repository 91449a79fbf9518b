// An in-process Coral: one PoolBus per pool, and for every agent connection a real McpServer with
// the Coral tools of one generation (1.0 or 1.2) linked to the agent's real MCP Client in memory
// (the gateway does the same over HTTP). Tests play the player directly on the bus and can take
// the whole "gateway" down.
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CORAL_SERVER_INFO,
  PoolBus,
  registerCoral12Tools,
  registerCoralTools,
  type BeforeSendHook,
  type CoralMessage,
} from '@pardon/coral';
import type { CoralDialect } from '../../src/lib/coral';
import { connectMcpSession, type PoolConnector } from '../../src/lib/session';
import type { FakeGame } from './fake-game';

export class InMemoryCoral {
  readonly buses = new Map<string, PoolBus>();
  private readonly servers = new Set<McpServer>();
  private up = true;
  /** Connection attempts refused while down, per agent. */
  readonly refused = new Map<string, number>();
  private readonly messageListeners = new Set<(m: CoralMessage, pool: string) => void>();

  readonly dialect: CoralDialect;
  /** Connections opened, per agent. */
  readonly connections = new Map<string, number>();

  /** The game's `pardon_award_points` on every agent connection, when given. */
  readonly game: FakeGame | undefined;

  /**
   * `beforeSend` plays the gateway's store (persist before deliver), e.g. one that fails for a
   * while; `dialect` is the Coral generation served (1.0 unless told); `game` adds the game's
   * tool `pardon_award_points` (a fake recording calls) beside the Coral tools.
   */
  constructor(
    readonly pools: readonly string[],
    options: { beforeSend?: BeforeSendHook; dialect?: CoralDialect; game?: FakeGame } = {},
  ) {
    this.dialect = options.dialect ?? 'coral-1.0';
    this.game = options.game;
    for (const pool of pools) {
      const bus = new PoolBus({
        poolId: pool,
        // An agent that disconnects is gone at once (no grace as for per-call clients).
        presenceGraceMs: 0,
        ...(options.beforeSend ? { beforeSend: options.beforeSend } : {}),
      });
      bus.subscribe((event) => {
        if (event.type === 'message_sent') {
          this.game?.observe(event.message);
          for (const l of this.messageListeners) l(event.message, pool);
        }
      });
      this.buses.set(pool, bus);
    }
  }

  bus(pool: string): PoolBus {
    const bus = this.buses.get(pool);
    if (!bus) throw new Error(`no pool ${pool}`);
    return bus;
  }

  /**
   * The connector an agent uses to reach this Coral; `dialect` is what the agent's client speaks
   * (its CORAL_DIALECT), which must be what this Coral serves.
   */
  connectorFor(
    agentId: string,
    description = agentId,
    dialect: CoralDialect = this.dialect,
  ): PoolConnector {
    return async (pool, signal) => {
      if (!this.up) {
        this.refused.set(agentId, (this.refused.get(agentId) ?? 0) + 1);
        throw new Error('connect ECONNREFUSED (gateway down)');
      }
      const bus = this.bus(pool);
      const connection = bus.connectAgent({ id: agentId, description });
      this.connections.set(agentId, (this.connections.get(agentId) ?? 0) + 1);
      const server = new McpServer(CORAL_SERVER_INFO);
      if (this.dialect === 'coral-1.2') registerCoral12Tools(server, { bus, connection });
      else registerCoralTools(server, { bus, connection });
      this.game?.register(server, agentId);
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      server.server.onclose = () => {
        connection.disconnect();
        this.servers.delete(server);
      };
      await server.connect(serverSide);
      this.servers.add(server);
      return connectMcpSession(clientSide, dialect, signal);
    };
  }

  /** Drops every agent connection and refuses new ones, like a crashed gateway. */
  async crash(): Promise<void> {
    this.up = false;
    await Promise.all([...this.servers].map((s) => s.close()));
  }

  /** Accepts connections again. */
  restart(): void {
    this.up = true;
  }

  /** Opens a player thread with `agentId` in `pool`. */
  openThread(pool: string, player: string, agentId: string): string {
    return this.bus(pool).createThread({
      name: `${player} ↔ ${agentId}`,
      creatorId: player,
      participantIds: [agentId],
    }).id;
  }

  /** The player writes in a thread, mentioning `agentId`. */
  async say(
    pool: string,
    threadId: string,
    player: string,
    agentId: string,
    content: string,
  ): Promise<CoralMessage> {
    return this.bus(pool).sendMessage({ threadId, senderId: player, content, mentions: [agentId] });
  }

  /**
   * The gateway's own message in a thread (sender `system`, as after a verified payment),
   * mentioning `agentId`.
   */
  async systemSay(
    pool: string,
    threadId: string,
    agentId: string,
    content: string,
  ): Promise<CoralMessage> {
    const bus = this.bus(pool);
    if (!bus.isParticipant(threadId, 'system')) bus.addParticipant(threadId, 'system');
    return bus.sendMessage({ threadId, senderId: 'system', content, mentions: [agentId] });
  }

  /** Resolves with the first message (from now on) that satisfies `match`, or rejects after `timeoutMs`. */
  nextMessage(
    match: (m: CoralMessage, pool: string) => boolean,
    timeoutMs = 5_000,
  ): Promise<CoralMessage> {
    return new Promise((resolve, reject) => {
      const listener = (m: CoralMessage, pool: string): void => {
        if (!match(m, pool)) return;
        cleanup();
        resolve(m);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.messageListeners.delete(listener);
      };
      this.messageListeners.add(listener);
    });
  }

  /** Collects the messages of `threadId` until `count` arrived (or rejects after `timeoutMs`). */
  collect(
    threadId: string,
    count: number,
    filter: (m: CoralMessage) => boolean,
    timeoutMs = 5_000,
  ): Promise<CoralMessage[]> {
    const got: CoralMessage[] = [];
    return new Promise((resolve, reject) => {
      const listener = (m: CoralMessage): void => {
        if (m.threadId !== threadId || !filter(m)) return;
        got.push(m);
        if (got.length === count) {
          cleanup();
          resolve(got);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `only ${got.length}/${count} messages within ${timeoutMs} ms: ${JSON.stringify(got.map((m) => m.content))}`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.messageListeners.delete(listener);
      };
      this.messageListeners.add(listener);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers].map((s) => s.close()));
    for (const bus of this.buses.values()) bus.close();
  }
}

/** Polls `predicate` every 10 ms until true, failing after `timeoutMs`. */
export async function until(
  predicate: () => boolean,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
