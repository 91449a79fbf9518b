/** The `:id` params schema of every route under /api/threads/:id (threads and streams). */
export const ThreadParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;
