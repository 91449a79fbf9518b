import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayError, GW_ERR, type GatewayErrorCode } from '../errors';
import { isClientDisconnect, isDatabaseUnavailable } from '../shared/db-errors';

// Fastify's own 4xx errors, mapped onto the gateway's table so clients see one vocabulary.
const FASTIFY_CODES: Record<string, GatewayErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'GW_ERR_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'GW_ERR_BAD_REQUEST',
  FST_ERR_CTP_BODY_TOO_LARGE: 'GW_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GW_ERR_UNSUPPORTED_MEDIA',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'GW_ERR_BAD_REQUEST',
};

// Refusals of libs/db (bad input that slipped past the schemas, races with a closing thread).
const DB_CODES: Record<string, GatewayErrorCode> = {
  DB_INVALID_INPUT: 'GW_ERR_VALIDATION',
  DB_NOT_FOUND: 'GW_ERR_NOT_FOUND',
  DB_THREAD_CLOSED: 'GW_ERR_THREAD_CLOSED',
  DB_SESSION_ENDED: 'GW_ERR_NO_SESSION',
};

/**
 * The root error handler: the one place where local errors become wire errors. 4xx pass through
 * with their message; anything else is logged and answered without detail.
 */
export const errorsPlugin = fp(
  async (app: FastifyInstance, opts: { dbRetryAfterS: number }) => {
    app.setErrorHandler((err: FastifyError | GatewayError | Error, request, reply) => {
      if (err instanceof GatewayError) {
        if (err.extra.retryAfterS !== undefined) {
          void reply.header('retry-after', String(err.extra.retryAfterS));
        }
        if (err.statusCode >= 500) request.log.warn({ code: err.code }, err.message);
        return reply
          .status(err.statusCode)
          .send({ error: err.error, message: err.message, ...err.extra.details });
      }
      const dbMapped = DB_CODES[(err as { code?: string }).code ?? ''];
      if (dbMapped && err.name !== 'DatabaseUnavailableError') {
        const e = GW_ERR[dbMapped];
        return reply.status(e.status).send({ error: e.error, message: err.message || e.message });
      }
      if (isClientDisconnect(err, request.raw)) {
        // The client hung up mid-request: nobody reads the answer and nothing is wrong here.
        request.log.debug(
          { code: (err as { code?: string }).code },
          'client closed the connection',
        );
        const e = GW_ERR.GW_ERR_BAD_REQUEST;
        return reply
          .status(e.status)
          .send({ error: e.error, message: 'The client closed the connection mid-request.' });
      }
      if (isDatabaseUnavailable(err)) {
        request.log.error({ err }, 'database unavailable');
        const hinted = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
        void reply.header(
          'retry-after',
          String(typeof hinted === 'number' && hinted > 0 ? Math.ceil(hinted) : opts.dbRetryAfterS),
        );
        const e = GW_ERR.GW_ERR_DB_UNAVAILABLE;
        return reply.status(e.status).send({ error: e.error, message: e.message });
      }
      const fe = err as FastifyError;
      if (fe.validation) {
        const e = GW_ERR.GW_ERR_VALIDATION;
        return reply
          .status(e.status)
          .send({ error: e.error, message: `${fe.validationContext ?? 'request'} ${fe.message}` });
      }
      const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
      if (mapped) {
        const e = GW_ERR[mapped];
        return reply.status(e.status).send({ error: e.error, message: fe.message || e.message });
      }
      const status = fe.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        if (status === 429 && !reply.hasHeader('retry-after')) {
          void reply.header('retry-after', '60');
        }
        return reply
          .status(status)
          .send({ error: status === 429 ? 'rate_limited' : 'bad_request', message: fe.message });
      }
      request.log.error({ err }, 'unhandled error');
      const e = GW_ERR.GW_ERR_INTERNAL;
      return reply.status(e.status).send({ error: e.error, message: e.message });
    });

    app.setNotFoundHandler((request, reply) => {
      const e = GW_ERR.GW_ERR_NOT_FOUND;
      return reply.status(e.status).send({
        error: e.error,
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
      });
    });
  },
  { name: 'errors' },
);
