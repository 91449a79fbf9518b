import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentConnection, PoolBus } from '@pardon/coral';
import { MAX_REASON_CHARS } from '@pardon/db';
import { z } from 'zod';
import { EvaluationRefused, type Scoring } from './scoring';

export const AWARD_TOOL = 'pardon_award_points';

const AwardArgs = z.object({
  threadId: z.string().min(1).max(200).describe('The player thread of the message'),
  messageId: z.string().min(1).max(250).describe('The id of the player message you judge'),
  score: z
    .number()
    .int()
    .min(-3)
    .max(3)
    .describe('Your judgement of the message: -3 (insulting, threatening) to +3 (a great deal)'),
  reason: z
    .string()
    .min(1)
    .max(MAX_REASON_CHARS)
    .describe('Why, in a short sentence, in character'),
});

const text = (result: Record<string, unknown>): CallToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(result) }],
  structuredContent: result,
});
const refusal = (message: string): CallToolResult => ({
  isError: true,
  content: [{ type: 'text', text: `Error executing tool ${AWARD_TOOL}: ${message}` }],
});

/**
 * Our tool beside the Coral tools, for the game's agents: an evaluation of a player message the
 * agent was addressed in. It acts for the connection's agent only; the server checks that the
 * agent is a participant of the thread, that the message is a player's and mentions it, and that
 * it was not evaluated before (then it answers the stored result). Nothing a player can send
 * reaches it: players have no agent connection.
 */
export function registerAwardTool(
  server: McpServer,
  context: { bus: PoolBus; connection: AgentConnection; scoring: Scoring },
): void {
  const { bus, connection, scoring } = context;
  server.registerTool(
    AWARD_TOOL,
    {
      description:
        'Judge the player message you are answering: give it a score from -3 to +3 and a short reason. Call it once per player message, before or after your reply.',
      inputSchema: AwardArgs,
    },
    async (raw: unknown) => {
      const args = raw as z.infer<typeof AwardArgs>;
      if (!connection.active) return refusal('This connection is closed.');
      connection.begin();
      try {
        return await award(args);
      } finally {
        connection.end();
      }
    },
  );

  async function award(args: z.infer<typeof AwardArgs>): Promise<CallToolResult> {
    if (!bus.isParticipant(args.threadId, connection.agentId)) {
      return refusal(`${connection.agentId} is not a participant of thread ${args.threadId}.`);
    }
    try {
      const r = await scoring.evaluate(connection.agentId, args);
      return text({
        pointsAwarded: r.pointsAwarded,
        newScore: r.newScore,
        pardonGranted: r.pardonGranted,
        finalScore: r.finalScore,
        weekId: r.weekId,
        alreadyEvaluated: !r.created,
      });
    } catch (err) {
      if (err instanceof EvaluationRefused) return refusal(err.message);
      return refusal('The evaluation could not be stored; try again.');
    }
  }
}
