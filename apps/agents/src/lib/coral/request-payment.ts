import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
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
  let response: Awaited<ReturnType<Client['callTool']>>;
  try {
    response = await client.callTool(
      {
        name: REQUEST_PAYMENT_TOOL,
        arguments: {
          threadId: args.threadId,
          service: args.service,
          ...(args.amount !== undefined ? { amount: args.amount } : {}),
        },
      },
      undefined,
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      },
    );
  } catch (error) {
    if (error instanceof McpError) {
      if (error.code === ErrorCode.MethodNotFound || /not found/i.test(error.message)) {
        return { kind: 'refused', code: 'unknown_tool', message: error.message };
      }
      if (error.code === ErrorCode.InvalidParams) {
        return { kind: 'refused', code: 'invalid_params', message: error.message };
      }
    }
    throw error;
  }
  const content = Array.isArray(response.content) ? response.content : [];
  const first = content[0] as { type?: unknown; text?: unknown } | undefined;
  const text = first?.type === 'text' && typeof first.text === 'string' ? first.text : undefined;
  if (response.isError) return refusalOf(text, response.structuredContent);
  let json: unknown = response.structuredContent;
  if (json === undefined || json === null) {
    if (text === undefined) throw new RequestPaymentProtocolError('result has no text content');
    try {
      json = JSON.parse(text);
    } catch {
      throw new RequestPaymentProtocolError(`result is not JSON: ${text.slice(0, 120)}`);
    }
  }
  const parsed = PaymentOfferSchema.safeParse(json);
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
