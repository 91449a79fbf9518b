import {
  gameEventOf,
  InvalidInputError,
  NotFoundError,
  type EvaluationResult,
  type GameRepository,
} from '@pardon/db';
import type { GameRules } from '@pardon/game';
import type { Counter } from 'prom-client';
import type { GameEventHub } from './game-events';

export interface ScoringOptions {
  game: Pick<GameRepository, 'evaluate'>;
  rules: GameRules;
  hub: GameEventHub;
  taskId: string;
  now?: () => number;
  metrics: {
    evaluations: Counter<'outcome'>;
    pointsAwarded: Counter;
    pardonsGranted: Counter;
  };
}

/** Why an agent's evaluation was not taken: said to the agent as the tool's error. */
export class EvaluationRefused extends Error {
  override readonly name = 'EvaluationRefused';
}

/**
 * Agents judge; the server counts. Takes an agent's evaluation of a player message (the agent
 * is the caller of the tool, never a claim in the arguments), stores it once with the week it
 * moves (libs/db), publishes the score to the thread's streams on this task (other tasks hear
 * it on GAME_CHANNEL) and counts it.
 */
export class Scoring {
  private readonly now: () => number;

  constructor(private readonly options: ScoringOptions) {
    this.now = options.now ?? Date.now;
  }

  async evaluate(
    agentId: string,
    input: { threadId: string; messageId: string; score: number; reason: string },
  ): Promise<EvaluationResult> {
    const { metrics } = this.options;
    if (!input.messageId.startsWith(`${input.threadId}-`)) {
      metrics.evaluations.inc({ outcome: 'refused' });
      throw new EvaluationRefused(`Message ${input.messageId} is not in thread ${input.threadId}.`);
    }
    let result: EvaluationResult;
    try {
      result = await this.options.game.evaluate(
        { ...input, agentId, at: this.now(), announceAs: this.options.taskId },
        this.options.rules,
      );
    } catch (err) {
      // EvaluationRefusedError is an InvalidInputError: every refusal of the data layer.
      if (err instanceof InvalidInputError || err instanceof NotFoundError) {
        metrics.evaluations.inc({ outcome: 'refused' });
        throw new EvaluationRefused(err.message);
      }
      metrics.evaluations.inc({ outcome: 'failed' });
      throw err;
    }
    if (!result.created) {
      metrics.evaluations.inc({ outcome: 'repeated' });
      return result;
    }
    metrics.evaluations.inc({ outcome: 'stored' });
    if (result.pointsAwarded > 0) metrics.pointsAwarded.inc(result.pointsAwarded);
    if (result.pardonGranted) metrics.pardonsGranted.inc();
    this.options.hub.publish(gameEventOf(result, this.options.taskId));
    return result;
  }
}
