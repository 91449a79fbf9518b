import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayError } from '../errors';

/**
 * Characters no string field may carry: NUL (PostgreSQL text cannot store it: the query fails),
 * the other C0 controls but tab, LF and CR, DEL, and unpaired UTF-16 surrogates (UTF-8 has no
 * encoding for them: the driver would store U+FFFD instead of what was sent).
 */
const UNSTORABLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Headers whose value reaches a query or a stored row. */
const CHECKED_HEADERS = ['last-event-id'] as const;

const MAX_DEPTH = 32;

function codePoint(text: string): string {
  const c = UNSTORABLE.exec(text)?.[0] ?? '';
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first string under `value` (or key) holding an unstorable character, with its path. */
function firstUnstorable(
  value: unknown,
  path: string,
  depth = 0,
): { path: string; text: string } | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? { path, text: value } : undefined;
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return undefined;
  for (const [key, v] of Object.entries(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (UNSTORABLE.test(key)) return { path: at, text: key };
    const found = firstUnstorable(v, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function refuse(field: string, text: string): never {
  throw new GatewayError(
    'GW_ERR_VALIDATION',
    `${field} contains a control character (${codePoint(text)}) that cannot be stored.`,
  );
}

/**
 * Every route: a string in the body, the query string, the path parameters or a checked header
 * that holds a character the gateway cannot store is refused with 400 naming the field, before
 * validation, authentication or any query (on the sign-in routes too).
 */
export const textInputPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (request: FastifyRequest) => {
      for (const [where, root] of [
        ['body', request.body],
        ['query', request.query],
        ['params', request.params],
      ] as const) {
        const found = firstUnstorable(root, '');
        if (found) refuse(found.path === '' ? where : found.path, found.text);
      }
      for (const name of CHECKED_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string' && UNSTORABLE.test(value)) refuse(name, value);
      }
    });
  },
  { name: 'text-input' },
);
