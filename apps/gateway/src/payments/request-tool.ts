import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentConnection, PoolBus } from '@pardon/coral';
import { z } from 'zod';
import { PaymentRequestRefused, type PaymentRequests } from './payment-requests';

export const REQUEST_PAYMENT_TOOL = 'pardon_request_payment';

const RequestArgs = z.object({
  threadId: z.string().min(1).max(200).describe('The player thread you sell the service in'),
  service: z
    .string()
    .min(1)
    .max(64)
    .describe(
      'The premium service: insider_info, strategy_advice, connection_intro, private_deal, pardon_recommendation (fixed prices) or donation, bribe, campaign_contribution, gift (the player names the amount)',
    ),
  amount: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'a whole number of tokens, e.g. "7500"')
    .optional()
    .describe('Whole PARDON tokens, only for the variable-price services'),
});

const json = (result: Record<string, unknown>, isError = false): CallToolResult => ({
  ...(isError ? { isError: true } : {}),
  content: [{ type: 'text', text: JSON.stringify(result) }],
  ...(isError ? {} : { structuredContent: result }),
});

/**
 * The agents' way to ask for a payment: a payment intent stored by the server (checked against
 * the catalogue and the player's usage) and pushed to the player's page as a structured event.
 * The agent is the caller of the tool; nothing a player types reaches it.
 */
export function registerRequestPaymentTool(
  server: McpServer,
  context: { bus: PoolBus; connection: AgentConnection; payments: PaymentRequests },
): void {
  const { bus, connection, payments } = context;
  server.registerTool(
    REQUEST_PAYMENT_TOOL,
    {
      description:
        'Offer the player a premium service for PARDON tokens: the player gets a payment card; when the payment is verified on chain you receive a system message and deliver the service.',
      inputSchema: RequestArgs,
    },
    async (raw: unknown) => {
      const args = raw as z.infer<typeof RequestArgs>;
      if (!connection.active)
        return json({ error: 'connection_closed', message: 'This connection is closed.' }, true);
      connection.begin();
      try {
        if (!bus.isParticipant(args.threadId, connection.agentId)) {
          return json(
            {
              error: 'not_thread_agent',
              message: `${connection.agentId} is not a participant of thread ${args.threadId}.`,
            },
            true,
          );
        }
        const intent = await payments.request(connection.agentId, args);
        return json({
          intentId: intent.intentId,
          service: intent.service,
          label: intent.label,
          amount: intent.amount,
          amountDisplay: intent.amountDisplay,
          expiresAt: intent.expiresAt,
          reference: intent.reference,
        });
      } catch (err) {
        if (err instanceof PaymentRequestRefused) {
          return json({ error: err.code, message: err.message }, true);
        }
        return json(
          { error: 'unavailable', message: 'The request could not be stored; try again.' },
          true,
        );
      } finally {
        connection.end();
      }
    },
  );
}
