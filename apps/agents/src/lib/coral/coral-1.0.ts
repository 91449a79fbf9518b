import type { CoralToolClient } from '@pardon/coral';
import { callAwardPoints } from './award-points';
import { callRequestPayment } from './request-payment';
import type { CoralPort, CoralRefusal } from './port';

type Refused =
  | { result: 'error'; code?: string | undefined; message: string }
  | {
      result: 'tool_input_error';
      message: string;
    };

function refusal(result: Refused): CoralRefusal {
  return {
    kind: 'refused',
    code: result.result === 'error' ? result.code : 'tool_input_error',
    message: result.message,
  };
}

/** Coral 1.0 (`coral_wait_for_mentions`, batches of messages) behind the agent's port. */
export function coral10Port(tools: CoralToolClient): CoralPort {
  return {
    dialect: 'coral-1.0',
    async waitForMentions(timeoutMs, signal) {
      const result = await tools.waitForMentions({ timeoutMs }, signal ? { signal } : {});
      switch (result.result) {
        case 'wait_for_mentions_success':
          return { kind: 'messages', messages: result.messages };
        case 'error_timeout':
          return { kind: 'timeout' };
        default:
          return refusal(result);
      }
    },
    async sendMessage(args) {
      const result = await tools.sendMessage(args);
      if (result.result === 'send_message_success')
        return { kind: 'sent', message: result.message };
      return refusal(result);
    },
    async addParticipant(threadId, participantId) {
      const result = await tools.addParticipant({ threadId, participantId });
      if (result.result === 'add_participant_success') return { kind: 'added' };
      return refusal(result);
    },
    awardPoints(args) {
      // Not a Coral tool: called on the same MCP client, with the same shape in both dialects.
      return callAwardPoints(tools.client, args);
    },
    requestPayment(args) {
      return callRequestPayment(tools.client, args);
    },
  };
}
