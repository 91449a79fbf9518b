import type { Message } from '@pardon/db';

/**
 * A message as the gateway holds it after it is persisted (libs/db's `Message`, whose `seq` orders
 * it within its thread); the idempotency key stays in the database.
 */
export type StoredMessage = Omit<Message, 'clientMessageId'>;

/** The wire shape of DESIGN.md §6 (history and SSE `data`). */
export interface WireMessage {
  id: string;
  senderId: string;
  content: string;
  mentions: string[];
  createdAt: string;
}

export function toWire(m: StoredMessage): WireMessage {
  return {
    id: m.id,
    senderId: m.senderId,
    content: m.content,
    mentions: m.mentions,
    createdAt: m.createdAt.toISOString(),
  };
}

export const WireMessageSchema = {
  type: 'object',
  required: ['id', 'senderId', 'content', 'mentions', 'createdAt'],
  properties: {
    id: { type: 'string' },
    senderId: { type: 'string' },
    content: { type: 'string' },
    mentions: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
  },
} as const;
