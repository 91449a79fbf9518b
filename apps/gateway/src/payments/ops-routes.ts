import type { PaymentRecord, PaymentsRepository } from '@pardon/db';
import { formatTokenAmount } from '@pardon/game';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import { displayTokens } from './payment-events';

const STATUSES = ['verified', 'late'] as const;
const INTENT_STATUSES = ['pending', 'paid', 'expired', 'late'] as const;

export interface PaymentOpsOptions {
  payments: Pick<PaymentsRepository, 'listPayments' | 'listIntents' | 'volumeByDay'>;
  decimals: number;
  symbol: string;
  requireOperator: preHandlerHookHandler;
}

function paymentView(p: PaymentRecord, decimals: number, symbol: string) {
  return {
    id: p.id,
    intentId: p.intentId,
    signature: p.signature,
    wallet: p.wallet,
    agentId: p.agentId,
    service: p.service,
    amount: p.amount.toString(),
    amountDisplay: displayTokens(p.amount, decimals, symbol),
    mint: p.mint,
    status: p.status,
    bonusPoints: p.bonusPoints,
    createdAt: p.createdAt.toISOString(),
  };
}

const CSV_COLUMNS = [
  'created_at',
  'status',
  'wallet',
  'agent_id',
  'service',
  'amount_base_units',
  'amount_tokens',
  'mint',
  'signature',
  'intent_id',
  'bonus_points',
] as const;

/** A query number (sent as text: the server does not coerce types) in [1, max]. */
function bounded(text: string | undefined, name: string, fallback: number, max: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new GatewayError('GW_ERR_VALIDATION', `${name} must be an integer from 1 to ${max}`);
  }
  return value;
}

function listing<S extends string>(query: { status?: S; limit?: string }) {
  return {
    ...(query.status !== undefined ? { status: query.status } : {}),
    limit: bounded(query.limit, 'limit', 100, 1000),
  };
}

/** Operators' view of payments: the ledger (late ones to refund), intents, volume per day. */
export async function paymentOpsRoutes(app: FastifyInstance, opts: PaymentOpsOptions) {
  const { payments, decimals, symbol, requireOperator } = opts;
  const config = { rateLimit: false } as const;
  const listQuery = {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { type: 'string', enum: [...STATUSES] },
      limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    },
  } as const;

  app.get<{ Querystring: { status?: (typeof STATUSES)[number]; limit?: string } }>(
    '/api/ops/payments',
    {
      config,
      preHandler: requireOperator,
      schema: { querystring: listQuery, response: { ...errors } },
    },
    async (request) => {
      const rows = await payments.listPayments(listing(request.query));
      return { payments: rows.map((p) => paymentView(p, decimals, symbol)) };
    },
  );

  app.get<{ Querystring: { status?: (typeof STATUSES)[number]; limit?: string } }>(
    '/api/ops/payments.csv',
    {
      config,
      preHandler: requireOperator,
      schema: { querystring: listQuery, response: { ...errors } },
    },
    async (request, reply) => {
      const rows = await payments.listPayments(listing(request.query));
      const lines = [CSV_COLUMNS.join(',')];
      for (const p of rows) {
        lines.push(
          [
            p.createdAt.toISOString(),
            p.status,
            p.wallet,
            p.agentId,
            p.service,
            p.amount.toString(),
            formatTokenAmount(p.amount, decimals).replace(/,/g, ''),
            p.mint,
            p.signature,
            p.intentId ?? '',
            p.bonusPoints === null ? '' : p.bonusPoints.toFixed(2),
          ].join(','),
        );
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="payments.csv"')
        .send(`${lines.join('\n')}\n`);
    },
  );

  app.get<{ Querystring: { status?: (typeof INTENT_STATUSES)[number]; limit?: string } }>(
    '/api/ops/payment-intents',
    {
      config,
      preHandler: requireOperator,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...INTENT_STATUSES] },
            limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
          },
        },
        response: { ...errors },
      },
    },
    async (request) => {
      const rows = await payments.listIntents(listing(request.query));
      return {
        intents: rows.map((i) => ({
          intentId: i.id,
          status: i.status,
          wallet: i.wallet,
          agentId: i.agentId,
          threadId: i.threadId,
          service: i.service,
          amount: i.amount.toString(),
          amountDisplay: displayTokens(i.amount, i.decimals, symbol),
          reference: i.reference,
          createdAt: i.createdAt.toISOString(),
          expiresAt: i.expiresAt.toISOString(),
        })),
      };
    },
  );

  app.get<{ Querystring: { days?: string } }>(
    '/api/ops/payments/volume',
    {
      config,
      preHandler: requireOperator,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { days: { type: 'string', pattern: '^[0-9]{1,3}$' } },
        },
        response: { ...errors },
      },
    },
    async (request) => {
      const days = await payments.volumeByDay({
        days: bounded(request.query.days, 'days', 14, 366),
      });
      return {
        days: days.map((d) => ({
          day: d.day,
          mint: d.mint,
          total: d.total.toString(),
          totalDisplay: displayTokens(d.total, decimals, symbol),
          count: d.count,
        })),
      };
    },
  );
}
