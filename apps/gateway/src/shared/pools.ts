import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CORAL_SERVER_INFO,
  PoolBus,
  registerCoralTools,
  type CoralAgentInfo,
  type MessageDraft,
  type PersistedMessageRef,
  type PoolBusListener,
} from '@pardon/coral';
import type { FastifyBaseLogger } from 'fastify';

/** What `/health` and the metrics report for one pool of this task. */
export interface PoolStatus {
  pool: string;
  ready: boolean;
  agentsConnected: string[];
  missingAgents: string[];
  activeThreads: number;
  capacity: number;
}

export interface PoolManagerOptions {
  poolIds: readonly string[];
  requiredAgents: readonly string[];
  capacity: number;
  /** Persist-before-deliver for messages the buses mint (agent replies), given their bus. */
  beforeSend: (draft: MessageDraft, bus: PoolBus) => Promise<PersistedMessageRef>;
  log: FastifyBaseLogger;
}

/**
 * This task's pools: one Coral bus each, and the MCP servers of the agents connected to them.
 * An agent connection is one MCP transport (SSE or Streamable HTTP) with a server whose seven
 * tools are bound to that agent; a newer connection of the same agent replaces the older.
 */
export class PoolManager {
  readonly poolIds: readonly string[];
  private readonly buses = new Map<string, PoolBus>();
  private readonly transports = new Set<Transport>();

  constructor(private readonly options: PoolManagerOptions) {
    this.poolIds = [...options.poolIds];
    for (const id of options.poolIds) {
      const bus: PoolBus = new PoolBus({
        poolId: id,
        beforeSend: (draft) => options.beforeSend(draft, bus),
        onListenerError: (err, event) =>
          options.log.error({ err, pool: id, event: event.type }, 'bus observer failed'),
      });
      this.buses.set(id, bus);
    }
  }

  hasPool(pool: string): boolean {
    return this.buses.has(pool);
  }

  /** The pool's bus; callers check `hasPool` first (pool ids come from the database or a URL). */
  bus(pool: string): PoolBus {
    const bus = this.buses.get(pool);
    if (!bus) throw new Error(`unknown pool ${pool}`);
    return bus;
  }

  allBuses(): PoolBus[] {
    return [...this.buses.values()];
  }

  /** Observes the events of every pool's bus. */
  subscribe(listener: PoolBusListener): void {
    for (const bus of this.buses.values()) bus.subscribe(listener);
  }

  /**
   * Binds a new agent connection to `transport` and starts it. The previous connection of the
   * same agent on this pool (if any) is aborted by the bus, and its transport closed here.
   */
  async connectAgent(
    pool: string,
    agentId: string,
    description: string,
    transport: Transport,
  ): Promise<void> {
    const bus = this.bus(pool);
    const connection = bus.connectAgent({ id: agentId, description: description || agentId });
    const server = new McpServer(CORAL_SERVER_INFO, { capabilities: { tools: {} } });
    registerCoralTools(server, {
      bus,
      connection,
      onUnexpectedError: (err, tool) =>
        this.options.log.error({ err, pool, agentId, tool }, 'coral tool failed'),
    });
    this.transports.add(transport);
    const previousOnClose = transport.onclose;
    transport.onclose = () => {
      this.transports.delete(transport);
      connection.disconnect();
      previousOnClose?.();
    };
    connection.signal.addEventListener(
      'abort',
      () => {
        transport
          .close()
          .catch((err: unknown) =>
            this.options.log.warn(
              { err, pool, agentId },
              'closing a replaced agent transport failed',
            ),
          );
      },
      { once: true },
    );
    await server.connect(transport);
    // An agent that crashed after taking a mention but before answering it gets it again.
    bus.redeliverUnanswered(agentId);
  }

  listAgents(pool: string): CoralAgentInfo[] {
    return this.bus(pool).listAgents();
  }

  status(pool: string): PoolStatus {
    const bus = this.bus(pool);
    const missingAgents = bus.missingAgents(this.options.requiredAgents);
    return {
      pool,
      ready: missingAgents.length === 0,
      agentsConnected: bus.connectedAgentIds(),
      missingAgents,
      activeThreads: bus.openThreads,
      capacity: this.options.capacity,
    };
  }

  statuses(): PoolStatus[] {
    return this.poolIds.map((p) => this.status(p));
  }

  /** Closes every agent transport and bus (shutdown). */
  async close(): Promise<void> {
    const all = [...this.transports];
    this.transports.clear();
    await Promise.allSettled(all.map((t) => t.close()));
    for (const bus of this.buses.values()) bus.close();
  }
}
