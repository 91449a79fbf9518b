import { weekOf, type GameRules } from '@pardon/game';
import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors } from '../errors';
import type { Store } from '../shared/store';

const MeSchema = {
  type: 'object',
  required: [
    'wallet',
    'weekId',
    'score',
    'finalScore',
    'pardonGrantedAt',
    'rank',
    'agentsTalkedTo',
    'messagesSent',
    'lastChange',
    'pardonThreshold',
  ],
  properties: {
    wallet: { type: 'string' },
    weekId: { type: 'string' },
    score: { type: 'number' },
    finalScore: { type: ['number', 'null'] },
    pardonGrantedAt: { type: ['string', 'null'] },
    rank: { type: ['integer', 'null'] },
    agentsTalkedTo: { type: 'array', items: { type: 'string' } },
    messagesSent: { type: 'integer' },
    lastChange: {
      type: ['object', 'null'],
      properties: {
        points: { type: 'number' },
        reason: { type: 'string' },
        agentId: { type: 'string' },
      },
    },
    pardonThreshold: { type: 'number' },
  },
} as const;

/**
 * `GET /api/me`: the player's week — score, pardon, rank, who they talked to. Always read from
 * the writer: a player sees their score right after the evaluation that moved it.
 */
export async function meRoutes(
  app: FastifyInstance,
  opts: { store: Pick<Store, 'game'>; rules: GameRules },
): Promise<void> {
  app.addHook('preHandler', app.authenticate);
  app.addHook('preHandler', app.limitWallet);

  app.get('/api/me', { schema: { response: { 200: MeSchema, ...errors } } }, async (request) => {
    const wallet = request.wallet;
    const week = weekOf(Date.now(), opts.rules);
    const me = await opts.store.game.playerWeek(wallet, week);
    return {
      wallet,
      weekId: week.id,
      score: me.score,
      finalScore: me.finalScore,
      pardonGrantedAt: me.pardonGrantedAt?.toISOString() ?? null,
      rank: me.rank,
      agentsTalkedTo: me.agentsTalkedTo,
      messagesSent: me.messagesSent,
      lastChange:
        me.lastPoints === null || me.lastAgentId === null
          ? null
          : { points: me.lastPoints, reason: me.lastReason ?? '', agentId: me.lastAgentId },
      pardonThreshold: opts.rules.pardonThreshold,
    };
  });
}
