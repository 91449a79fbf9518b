import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CORAL_SERVER_INFO,
  PoolBus,
  registerCoral12Tools,
  registerCoralTools,
  type AgentConnection,
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
  /** Open and recently closed threads on the bus (closed ones leave after their grace). */
  heldThreads: number;
  capacity: number;
}

/** Which generation of Coral tools a connection gets. */
export type CoralDialect = 'coral-1.0' | 'coral-1.2';

export interface PoolManagerOptions {
  poolIds: readonly string[];
  requiredAgents: readonly string[];
  /** Every agent that may connect; listed on every pool before it connects. */
  rosterAgents: readonly string[];
  presenceGraceMs: number;
  capacity: number;
  /** Tools beyond Coral's for a connection (the game's, for the game's agents). */
  extraTools?: (
    server: McpServer,
    context: { pool: string; agentId: string; bus: PoolBus; connection: AgentConnection },
  ) => void;
  /** Persist-before-deliver for messages the buses mint (agent replies), given their bus. */
  beforeSend: (draft: MessageDraft, bus: PoolBus) => Promise<PersistedMessageRef>;
  log: FastifyBaseLogger;
}

/**
 * This task's pools: one Coral bus each, and the MCP servers of the agents connected to them.
 * An agent connection is one MCP transport (SSE or Streamable HTTP) with a server whose tools
 * (of either Coral generation) are bound to that agent. An agent may hold many connections at
 * once, as Coral allows; none replaces another.
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
        presenceGraceMs: options.presenceGraceMs,
        onListenerError: (err, event) =>
          options.log.error({ err, pool: id, event: event.type }, 'bus observer failed'),
      });
      for (const agentId of options.rosterAgents) bus.registerAgent(agentId);
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
   * Binds a new connection of the agent to `transport` and starts it. Closing the transport ends
   * this connection only (and the calls made on it).
   */
  async connectAgent(
    pool: string,
    agentId: string,
    options: { description: string; dialect: CoralDialect },
    transport: Transport,
  ): Promise<void> {
    const bus = this.bus(pool);
    const connection = bus.connectAgent({
      id: agentId,
      ...(options.description ? { description: options.description } : {}),
    });
    const server = new McpServer(CORAL_SERVER_INFO, { capabilities: { tools: {} } });
    const onUnexpectedError = (err: unknown, tool: string) =>
      this.options.log.error({ err, pool, agentId, tool }, 'coral tool failed');
    if (options.dialect === 'coral-1.2') {
      registerCoral12Tools(server, { bus, connection, onUnexpectedError });
    } else {
      registerCoralTools(server, { bus, connection, onUnexpectedError });
    }
    this.options.extraTools?.(server, { pool, agentId, bus, connection });
    this.transports.add(transport);
    const previousOnClose = transport.onclose;
    transport.onclose = () => {
      this.transports.delete(transport);
      connection.disconnect();
      previousOnClose?.();
    };
    try {
      await server.connect(transport);
    } catch (err) {
      this.transports.delete(transport);
      connection.disconnect();
      throw err;
    }
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
      heldThreads: bus.heldThreads,
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
