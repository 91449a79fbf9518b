import {
  Coral12ToolError,
  MAX_WAIT_MS_1_2,
  withCallSignal,
  type Coral12Message,
  type Coral12ToolClient,
  type CoralMessage,
} from '@pardon/coral';
import { callAwardPoints } from './award-points';
import { callRequestPayment } from './request-payment';
import type { CoralPort, CoralRefusal } from './port';

/** A Coral 1.2 message in the shape the agent works with (1.2 has no thread name on messages). */
export function fromCoral12Message(message: Coral12Message): CoralMessage {
  const timestamp = Date.parse(message.timestamp);
  return {
    id: message.id,
    threadId: message.threadId,
    threadName: '',
    senderId: message.senderName,
    content: message.text,
    mentions: [...message.mentionNames],
    timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
  };
}

/** Refusals become outcomes; anything else (transport, abort) is rethrown. */
async function refusing<T>(call: () => Promise<T>): Promise<T | CoralRefusal> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Coral12ToolError) {
      return { kind: 'refused', code: error.code, message: error.message };
    }
    throw error;
  }
}

/**
 * Coral 1.2 (`coral_wait_for_mention`, one message per wait, at most a minute) behind the agent's
 * port. No `currentUnixTime` is sent: the server keeps this agent's read positions and answers
 * with its oldest unread mention, so a mention that came back unanswered (a thread rebuilt after
 * a gateway restart) is not skipped because it is older than "now".
 */
export function coral12Port(tools: Coral12ToolClient): CoralPort {
  return {
    dialect: 'coral-1.2',
    async waitForMentions(timeoutMs, signal) {
      const maxWaitMs = Math.min(Math.max(0, Math.floor(timeoutMs)), MAX_WAIT_MS_1_2);
      const result = await refusing(() =>
        withCallSignal(signal, (own) =>
          tools.wait('coral_wait_for_mention', { maxWaitMs }, own ? { signal: own } : {}),
        ),
      );
      if ('kind' in result) return result;
      if (result.status === 'Message received') {
        return { kind: 'messages', messages: [fromCoral12Message(result.message)] };
      }
      return { kind: 'timeout' };
    },
    async sendMessage(args) {
      const result = await refusing(() => tools.sendMessage(args));
      if ('kind' in result) return result;
      return { kind: 'sent', message: fromCoral12Message(result.message) };
    },
    async addParticipant(threadId, participantId) {
      const result = await refusing(() =>
        tools.addParticipant({ threadId, participantName: participantId }),
      );
      if ('kind' in result) return result;
      return { kind: 'added' };
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
