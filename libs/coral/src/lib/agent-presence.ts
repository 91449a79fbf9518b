import type { CoralAgentInfo } from './model';

/** One live connection of an agent to a pool (one MCP session, over either transport). */
export interface AgentConnection {
  readonly poolId: string;
  readonly agentId: string;
  /** Aborted when this connection closes (or the bus does); ends only this connection's calls. */
  readonly signal: AbortSignal;
  readonly active: boolean;
  /** A tool call starts on this connection (a sign of life). */
  begin(): void;
  /**
   * The call ends (a sign of life too: a long wait that ends shows the agent was there).
   * `cancelled`: the client cancelled it, as an agent does with its parked wait when it stops.
   */
  end(outcome?: { cancelled?: boolean }): void;
  /** Ends this connection; a no-op when it was already closed. */
  disconnect(): void;
}

interface AgentEntry {
  id: string;
  description: string;
  connections: Set<Connection>;
  /** When the agent last opened or closed a connection or made a call (epoch ms). */
  lastSeenAt: number;
}

class Connection implements AgentConnection {
  readonly controller = new AbortController();
  /** Calls under way on this connection, and calls it carried in all. */
  inFlight = 0;
  calls = 0;
  /** The client cancelled a call: an agent stopping, not a client done with its one call. */
  cancelled = false;

  constructor(
    private readonly presence: AgentPresence,
    readonly poolId: string,
    readonly agentId: string,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get active(): boolean {
    return !this.controller.signal.aborted;
  }

  /** A sign of life: the agent counts as present for the grace period after it. */
  private touch(): void {
    // A call that ends after its connection closed says nothing about the agent any more.
    if (this.active) this.presence.touch(this.agentId);
  }

  begin(): void {
    this.inFlight += 1;
    this.calls += 1;
    this.touch();
  }

  end(outcome: { cancelled?: boolean } = {}): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (outcome.cancelled) this.cancelled = true;
    this.touch();
  }

  disconnect(): void {
    this.presence.release(this);
  }
}

export interface AgentPresenceOptions {
  poolId: string;
  now: () => number;
  /**
   * How long an agent without an open connection still counts as present after its last call.
   * Connection-per-call clients (langchain-mcp-adapters) close their connection after every call;
   * without a grace period their pool would flap between ready and not ready. A connection that
   * drops with a call under way gets no grace.
   */
  graceMs: number;
  onConnected: (agentId: string, connections: number) => void;
  onDisconnected: (agentId: string, connections: number) => void;
}

/**
 * The agents of one pool and their connections. As in Coral, an agent may hold any number of
 * connections at once and none closes another; presence is the agent's, not a connection's.
 */
export class AgentPresence {
  private readonly agents = new Map<string, AgentEntry>();

  constructor(private readonly options: AgentPresenceOptions) {}

  /** Lists an agent (e.g. from the roster) before it connects, so threads may name it. */
  register(agentId: string, description?: string): void {
    const entry = this.entry(agentId);
    if (description !== undefined && description !== '') entry.description = description;
  }

  open(agentId: string, description?: string): AgentConnection {
    const entry = this.entry(agentId);
    if (description !== undefined && description !== '') entry.description = description;
    const connection = new Connection(this, this.options.poolId, agentId);
    entry.connections.add(connection);
    entry.lastSeenAt = this.options.now();
    this.options.onConnected(agentId, entry.connections.size);
    return connection;
  }

  /** @internal called by `AgentConnection.disconnect`. */
  release(connection: Connection): void {
    if (!connection.active) return;
    connection.controller.abort(new Error(`a connection of agent ${connection.agentId} closed`));
    const entry = this.agents.get(connection.agentId);
    if (!entry?.connections.delete(connection)) return;
    // A connection-per-call client closes after its one call: the grace period covers the gap
    // to its next connection. A connection lost with a call under way (an agent killed in a
    // parked wait), or one that carried many calls (a long-lived client), is the agent going
    // away: no grace, so its pools degrade at once. So is one whose client cancelled a call before
    // closing (a graceful stop ends the parked wait first, which can leave one finished call).
    const perCall = connection.inFlight === 0 && connection.calls <= 1 && !connection.cancelled;
    entry.lastSeenAt = perCall ? this.options.now() : Number.NEGATIVE_INFINITY;
    this.options.onDisconnected(connection.agentId, entry.connections.size);
  }

  touch(agentId: string): void {
    const entry = this.agents.get(agentId);
    if (entry) entry.lastSeenAt = this.options.now();
  }

  isKnown(agentId: string): boolean {
    return this.agents.has(agentId);
  }

  /** Connected now, or within the grace period of its last connection or call. */
  isPresent(agentId: string): boolean {
    const entry = this.agents.get(agentId);
    if (!entry) return false;
    if (entry.connections.size > 0) return true;
    return this.options.now() - entry.lastSeenAt < this.options.graceMs;
  }

  connectionCount(agentId: string): number {
    return this.agents.get(agentId)?.connections.size ?? 0;
  }

  presentIds(): string[] {
    return [...this.agents.keys()].filter((id) => this.isPresent(id)).sort();
  }

  /** Every registered agent with its Coral state; `isWaiting` says whose wait is parked. */
  list(isWaiting: (agentId: string) => boolean): CoralAgentInfo[] {
    return [...this.agents.values()].map((entry) => this.info(entry, isWaiting));
  }

  get(agentId: string, isWaiting: (agentId: string) => boolean): CoralAgentInfo | undefined {
    const entry = this.agents.get(agentId);
    return entry ? this.info(entry, isWaiting) : undefined;
  }

  /** Ends every connection (bus shutdown). */
  closeAll(): void {
    for (const entry of this.agents.values()) {
      for (const connection of [...entry.connections]) connection.disconnect();
    }
  }

  private entry(agentId: string): AgentEntry {
    let entry = this.agents.get(agentId);
    if (!entry) {
      entry = {
        id: agentId,
        description: agentId,
        connections: new Set(),
        lastSeenAt: Number.NEGATIVE_INFINITY,
      };
      this.agents.set(agentId, entry);
    }
    return entry;
  }

  private info(entry: AgentEntry, isWaiting: (agentId: string) => boolean): CoralAgentInfo {
    const state = isWaiting(entry.id)
      ? 'listening'
      : this.isPresent(entry.id)
        ? 'busy'
        : 'disconnected';
    return { id: entry.id, description: entry.description, state };
  }
}
