import type { GameEvent } from '@pardon/db';
import { ThreadListeners } from '../shared/thread-listeners';

/** The named events a thread's stream carries beside its messages. */
export const SCORE_EVENT = 'score';
export const PARDON_EVENT = 'pardon';

/**
 * In-process fan-out of stored evaluations to the event streams of their thread: this task's
 * own, and other tasks' as they announce them (GAME_CHANNEL). Best effort, like the remote
 * message hints: a player who missed one reads `GET /api/me`.
 */
export class GameEventHub {
  private readonly listeners = new ThreadListeners<GameEvent>();

  subscribe(threadId: string, listener: (e: GameEvent) => void): () => void {
    return this.listeners.subscribe(threadId, listener);
  }

  publish(event: GameEvent): void {
    this.listeners.deliver(event.threadId, event);
  }
}

/** What a stream sends for an evaluation: its score, and the pardon when it granted one. */
export function streamEventsOf(e: GameEvent): Array<{ name: string; data: unknown }> {
  const events: Array<{ name: string; data: unknown }> = [
    {
      name: SCORE_EVENT,
      data: {
        threadId: e.threadId,
        messageId: e.messageId,
        agentId: e.agentId,
        weekId: e.weekId,
        points: e.points,
        score: e.score,
        reason: e.reason,
      },
    },
  ];
  if (e.pardonGranted) {
    events.push({
      name: PARDON_EVENT,
      data: {
        threadId: e.threadId,
        weekId: e.weekId,
        score: e.score,
        finalScore: e.finalScore,
        pardonGrantedAt:
          e.pardonGrantedAt === null ? null : new Date(e.pardonGrantedAt).toISOString(),
      },
    });
  }
  return events;
}
