import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { callGameTool } from './game-tool';
import type { PaymentOutcome, RequestPaymentArgs } from './port';

/** The game's MCP tool an agent asks the player to pay for a premium service with. */
export const REQUEST_PAYMENT_TOOL = 'pardon_request_payment';

/** The intent the gateway stored and pushed to the player as a payment card. */
export const PaymentOfferSchema = z.object({
  intentId: z.string().min(1),
  service: z.string().min(1),
  label: z.string().min(1),
  /** Base units of the token (6 decimals), as a decimal integer string. */
  amount: z.string().regex(/^\d+$/),
  /** For people: `4,000 PARDON`. */
  amountDisplay: z.string().min(1),
  expiresAt: z.string().min(1),
  reference: z.string().min(1),
});

/** A refusal's JSON text: `{"error":"service_used_this_week","message":"…"}`. */
const RefusalSchema = z.object({ error: z.string().min(1), message: z.string().optional() });

/** Codes a refusal may carry when its text is not the gateway's JSON. */
const CODES_IN_TEXT =
  /\b(unknown_service|amount_required|amount_below_minimum|amount_not_allowed|service_used_this_week|service_cooling_down|thread_not_found|not_thread_agent|persist_failed|connection_closed)\b/;

/** The server answered something that is not a `pardon_request_payment` result. */
export class RequestPaymentProtocolError extends Error {
  override readonly name = 'RequestPaymentProtocolError';
}

/**
 * Calls `pardon_request_payment` on a connected MCP client, whichever Coral dialect it speaks
 * (the tool is the same on both): the offer (JSON text or `structuredContent`) is validated; an
 * `isError` result is a refusal with the code of its JSON (`{error, message}`), of
 * `structuredContent.error`/`code`, or a known code found in its text; a JSON-RPC error saying
 * the tool does not exist or the arguments are wrong is a refusal too (`unknown_tool`,
 * `invalid_params`). Transport failures (connection lost, request timeout) throw.
 */
export async function callRequestPayment(
  client: Client,
  args: RequestPaymentArgs,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<PaymentOutcome> {
  const r = await callGameTool(
    client,
    REQUEST_PAYMENT_TOOL,
    {
      threadId: args.threadId,
      service: args.service,
      ...(args.amount !== undefined ? { amount: args.amount } : {}),
    },
    options,
    RequestPaymentProtocolError,
  );
  if (r.kind === 'refused') return r;
  if (r.kind === 'tool_error') return refusalOf(r.text, r.structured);
  const parsed = PaymentOfferSchema.safeParse(r.json);
  if (!parsed.success) {
    throw new RequestPaymentProtocolError(`unexpected result: ${parsed.error.message}`);
  }
  return { kind: 'offered', offer: parsed.data };
}

function refusalOf(text: string | undefined, structured: unknown): PaymentOutcome {
  const s = structured as { error?: unknown; code?: unknown; message?: unknown } | undefined;
  if (typeof s?.error === 'string' || typeof s?.code === 'string') {
    const code = typeof s.error === 'string' ? s.error : (s.code as string);
    const message = typeof s.message === 'string' ? s.message : (text ?? code);
    return { kind: 'refused', code, message };
  }
  const raw = text ?? 'tool call refused';
  // The SDK's server prefixes thrown errors ("Error executing tool …: {json}"): find the JSON.
  const start = raw.indexOf('{');
  if (start >= 0) {
    try {
      const parsed = RefusalSchema.safeParse(JSON.parse(raw.slice(start)));
      if (parsed.success) {
        return {
          kind: 'refused',
          code: parsed.data.error,
          message: parsed.data.message ?? parsed.data.error,
        };
      }
    } catch {
      // not JSON: look for a known code in the text below
    }
  }
  return { kind: 'refused', code: CODES_IN_TEXT.exec(raw)?.[1], message: raw };
}
