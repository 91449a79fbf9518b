import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * JSON bodies as Fastify parses them (prototype-poisoning checks included), except that an empty
 * body with a JSON content type is no body at all. Many HTTP clients send
 * `content-type: application/json` on every request, also on a body-less POST or DELETE (the
 * Python MCP SDKs close a Streamable HTTP session that way); Fastify's own parser refuses those
 * with 400 "Body cannot be empty". Routes that need a body still refuse a missing one through
 * their schema.
 */
export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text === '') {
        done(null, undefined);
        return;
      }
      parseJson(request, text, done);
    });
  },
  { name: 'json-body' },
);
