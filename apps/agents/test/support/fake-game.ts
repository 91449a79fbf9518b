// A stand-in for the gateway's game on the in-memory Coral: the MCP tool `pardon_award_points`
// registered on every agent connection (whichever dialect), recording each call, storing one
// evaluation per (message, agent) with the real rules of @pardon/game, and able to fail the next
// calls the way the gateway does when PostgreSQL is away (`persist_failed`).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CoralMessage } from '@pardon/coral';
import {
  applyEvaluation,
  createPlayerWeekState,
  recordPlayerMessage,
  weekOf,
  type PlayerWeekState,
} from '@pardon/game';
import { z } from 'zod';
import { AWARD_POINTS_TOOL, type AwardPointsResult } from '../../src/lib/coral';
import { isAgentId } from '../../src/lib/personas';

export interface AwardCall {
  agentId: string;
  threadId: string;
  messageId: string;
  score: number;
  reason: string;
}

const ArgsShape = {
  threadId: z.string().min(1),
  messageId: z.string().min(1),
  score: z.number().int().min(-3).max(3),
  reason: z.string().min(1).max(500),
};

export class FakeGame {
  /** Every call that reached the tool, failed ones included. */
  readonly calls: AwardCall[] = [];
  /** The next this many calls are refused with `persist_failed`. */
  failNext = 0;
  private readonly messages = new Map<string, CoralMessage>();
  private readonly stored = new Map<string, AwardPointsResult>();
  private readonly weeks = new Map<string, PlayerWeekState>();

  /** Evaluations stored (once per message and agent). */
  get evaluations(): AwardCall[] {
    const seen = new Set<string>();
    return this.calls.filter((c) => {
      const key = `${c.messageId}|${c.agentId}`;
      if (!this.stored.has(key) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Told of every message sent on the buses (to know who wrote what). */
  observe(message: CoralMessage): void {
    this.messages.set(message.id, message);
  }

  /** Registers the tool on one agent connection's server. */
  register(server: McpServer, agentId: string): void {
    server.registerTool(
      AWARD_POINTS_TOOL,
      { description: 'Evaluate a player message (-3..3).', inputSchema: ArgsShape },
      (args) => this.award(agentId, args),
    );
  }

  private refuse(why: string) {
    return {
      isError: true,
      content: [
        { type: 'text' as const, text: `Error executing tool ${AWARD_POINTS_TOOL}: ${why}` },
      ],
    };
  }

  private award(
    agentId: string,
    args: { threadId: string; messageId: string; score: number; reason: string },
  ) {
    this.calls.push({ agentId, ...args });
    if (this.failNext > 0) {
      this.failNext--;
      return this.refuse('persist_failed: the evaluation could not be stored, try again');
    }
    const key = `${args.messageId}|${agentId}`;
    const earlier = this.stored.get(key);
    if (earlier) return this.answer({ ...earlier, alreadyEvaluated: true });
    const message = this.messages.get(args.messageId);
    if (!message || message.threadId !== args.threadId) return this.refuse('unknown message');
    if (isAgentId(message.senderId)) {
      return this.refuse('not_player_message: Only a player message can be evaluated.');
    }
    const week = weekOf(message.timestamp).id;
    let state = this.weeks.get(message.senderId) ?? createPlayerWeekState(week);
    state = recordPlayerMessage(state, { agentId, at: message.timestamp });
    const outcome = applyEvaluation(state, { agentId, score: args.score, at: Date.now() });
    this.weeks.set(message.senderId, outcome.state);
    const result: AwardPointsResult = {
      pointsAwarded: outcome.pointsAwarded,
      newScore: outcome.state.score,
      pardonGranted: outcome.pardonGranted,
      finalScore: outcome.state.finalScore,
      weekId: week,
      alreadyEvaluated: false,
    };
    this.stored.set(key, result);
    return this.answer(result);
  }

  private answer(result: AwardPointsResult) {
    return {
      content: [{ type: 'text' as const, text: JSON.stringify(result) }],
      structuredContent: { ...result },
    };
  }

  /** Sets a player's week score (to test the pardon without 50 messages). */
  setScore(player: string, score: number, agentIds: readonly string[], at = Date.now()): void {
    let state = createPlayerWeekState(weekOf(at).id);
    for (const agentId of agentIds) state = recordPlayerMessage(state, { agentId, at });
    this.weeks.set(player, { ...state, score });
  }
}
