// A stand-in for the gateway's game on the in-memory Coral: the MCP tools `pardon_award_points`
// and `pardon_request_payment` registered on every agent connection (whichever dialect),
// recording each call. Evaluations are stored once per (message, agent) with the real rules of
// @pardon/game, and the next calls can fail the way the gateway does when PostgreSQL is away
// (`persist_failed`). Payment requests are priced from production's nine services and answered
// with an intent, or refused with the gateway's JSON (`{error, message}`).
import { randomUUID } from 'node:crypto';
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
import {
  AWARD_POINTS_TOOL,
  REQUEST_PAYMENT_TOOL,
  type AwardPointsResult,
  type PaymentOffer,
} from '../../src/lib/coral';
import { isAgentId } from '../../src/lib/personas';

export interface AwardCall {
  agentId: string;
  threadId: string;
  messageId: string;
  score: number;
  reason: string;
}

export interface PaymentCall {
  agentId: string;
  threadId: string;
  service: string;
  amount?: string;
}

/** Production's prices in whole tokens (fixed) and minimums (variable), with the gateway's labels. */
const CATALOGUE: Record<string, { label: string; fixed?: number; minimum?: number }> = {
  insider_info: { label: 'Insider info', fixed: 1_000 },
  strategy_advice: { label: 'Strategy advice', fixed: 2_500 },
  connection_intro: { label: 'Connection introduction', fixed: 4_000 },
  private_deal: { label: 'Private deal', fixed: 6_000 },
  pardon_recommendation: { label: 'Pardon recommendation', fixed: 10_000 },
  donation: { label: 'Donation', minimum: 1_000 },
  bribe: { label: 'Bribe', minimum: 7_500 },
  campaign_contribution: { label: 'Campaign contribution', minimum: 2_500 },
  gift: { label: 'Gift', minimum: 1_000 },
};

const PaymentArgsShape = {
  threadId: z.string().min(1),
  service: z.string().min(1),
  amount: z.string().regex(/^\d+$/).optional(),
};

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
  /** Every `pardon_request_payment` call that reached the tool. */
  readonly paymentCalls: PaymentCall[] = [];
  /** The offers made, in order. */
  readonly offers: PaymentOffer[] = [];
  /** Services the player has used up this week (refused with `service_used_this_week`). */
  readonly usedThisWeek = new Set<string>();
  /** Without the payment tool: a gateway from before premium services (`unknown_tool`). */
  payments = true;

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
    if (!this.payments) return;
    server.registerTool(
      REQUEST_PAYMENT_TOOL,
      {
        description: 'Ask the player to pay for a premium service.',
        inputSchema: PaymentArgsShape,
      },
      (args) => this.requestPayment(agentId, args),
    );
  }

  private requestPayment(
    agentId: string,
    args: { threadId: string; service: string; amount?: string | undefined },
  ) {
    this.paymentCalls.push({
      agentId,
      threadId: args.threadId,
      service: args.service,
      ...(args.amount !== undefined ? { amount: args.amount } : {}),
    });
    const refuse = (error: string, message: string) => ({
      isError: true,
      content: [{ type: 'text' as const, text: JSON.stringify({ error, message }) }],
    });
    const entry = Object.hasOwn(CATALOGUE, args.service) ? CATALOGUE[args.service] : undefined;
    if (!entry) return refuse('unknown_service', `No service ${args.service}.`);
    if (this.usedThisWeek.has(args.service)) {
      return refuse('service_used_this_week', 'The player bought this service this week.');
    }
    let tokens: bigint;
    if (entry.fixed !== undefined) {
      if (args.amount !== undefined) return refuse('amount_not_allowed', 'The price is fixed.');
      tokens = BigInt(entry.fixed);
    } else {
      if (args.amount === undefined) return refuse('amount_required', 'Say how much.');
      tokens = BigInt(args.amount);
      if (tokens < BigInt(entry.minimum ?? 1)) {
        return refuse('amount_below_minimum', `At least ${entry.minimum ?? 1} PARDON.`);
      }
    }
    const offer: PaymentOffer = {
      intentId: randomUUID(),
      service: args.service,
      label: entry.label,
      amount: (tokens * 1_000_000n).toString(),
      amountDisplay: `${tokens.toLocaleString('en-US')} PARDON`,
      expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
      reference: 'Ref1111111111111111111111111111111111111111',
    };
    this.offers.push(offer);
    return { content: [{ type: 'text' as const, text: JSON.stringify(offer) }] };
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
