import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { callGameTool } from './game-tool';
import type { AwardOutcome, AwardPointsArgs } from './port';

/** The game's MCP tool an agent evaluates a player message with. */
export const AWARD_POINTS_TOOL = 'pardon_award_points';

export const AwardPointsResultSchema = z.object({
  pointsAwarded: z.number(),
  newScore: z.number(),
  pardonGranted: z.boolean(),
  finalScore: z.number().nullable(),
  weekId: z.string(),
  alreadyEvaluated: z.boolean(),
});

/** The server answered something that is not a `pardon_award_points` result. */
export class AwardPointsProtocolError extends Error {
  override readonly name = 'AwardPointsProtocolError';
}

/** Codes a refusal text may carry when the server gives no `structuredContent.code`. */
const CODES_IN_TEXT =
  /\b(persist_failed|connection_closed|unknown_message|invalid_evaluation|not_player_message|not_thread_agent|not_mentioned|wrong_week)\b/;
const ALREADY = /already\s+(been\s+)?evaluated/i;

/**
 * Calls `pardon_award_points` on a connected MCP client, whichever Coral dialect it speaks (the
 * tool is the same on both): the JSON result (text or `structuredContent`) is validated; an
 * `isError` result is a refusal (`code` from `structuredContent.code` or a known code in its
 * text; "already evaluated" is its own outcome); a JSON-RPC error saying the tool does not exist
 * or the arguments are wrong is a refusal too (`unknown_tool`, `invalid_params`), not worth a
 * retry. Transport failures (connection lost, request timeout) throw.
 */
export async function callAwardPoints(
  client: Client,
  args: AwardPointsArgs,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<AwardOutcome> {
  const r = await callGameTool(
    client,
    AWARD_POINTS_TOOL,
    { ...args },
    options,
    AwardPointsProtocolError,
  );
  if (r.kind === 'refused') return r;
  if (r.kind === 'tool_error') {
    const message = r.text ?? 'tool call refused';
    if (ALREADY.test(message)) return { kind: 'already_evaluated', message };
    const structured = r.structured as { code?: unknown } | undefined;
    const code =
      typeof structured?.code === 'string' ? structured.code : CODES_IN_TEXT.exec(message)?.[1];
    return { kind: 'refused', code, message };
  }
  const parsed = AwardPointsResultSchema.safeParse(r.json);
  if (!parsed.success) {
    throw new AwardPointsProtocolError(`unexpected result: ${parsed.error.message}`);
  }
  return { kind: 'awarded', result: parsed.data };
}
