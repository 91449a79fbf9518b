// The agent's view of Coral, one port over both generations (see port.ts).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Coral12ToolClient, CoralToolClient } from '@pardon/coral';
import { coral10Port } from './coral-1.0';
import { coral12Port } from './coral-1.2';
import type { CoralDialect, CoralPort } from './port';

export * from './port';
export {
  AWARD_POINTS_TOOL,
  AwardPointsProtocolError,
  AwardPointsResultSchema,
  callAwardPoints,
} from './award-points';
export {
  callRequestPayment,
  PaymentOfferSchema,
  REQUEST_PAYMENT_TOOL,
  RequestPaymentProtocolError,
} from './request-payment';
export { coral10Port } from './coral-1.0';
export { coral12Port, fromCoral12Message } from './coral-1.2';

/** The port for a connected MCP client of a server speaking `dialect`. */
export function createCoralPort(dialect: CoralDialect, client: Client): CoralPort {
  return dialect === 'coral-1.2'
    ? coral12Port(new Coral12ToolClient(client))
    : coral10Port(new CoralToolClient(client));
}
