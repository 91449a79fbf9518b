// The game's side of `npm run play`: the player's week from GET /api/me and the `score` and
// `pardon` events of a thread stream (named events beside its messages).
import type { EventStream, Player } from '@pardon/topology';

export const AGENT_NAMES: Record<string, string> = {
  'trump-donald': 'Donald Trump',
  'trump-melania': 'Melania Trump',
  'trump-eric': 'Eric Trump',
  'trump-donjr': 'Donald Trump Jr.',
  'trump-barron': 'Barron Trump',
  cz: 'CZ',
};

export const nameOf = (id: string): string => AGENT_NAMES[id] ?? id;

export interface Me {
  weekId: string;
  score: number;
  finalScore: number | null;
  pardonGrantedAt: string | null;
  rank: number | null;
  lastChange: { points: number; reason: string; agentId: string } | null;
  pardonThreshold: number;
}

export interface ScoreEvent {
  messageId: string;
  agentId: string;
  points: number;
  score: number;
  reason: string;
}

export interface PardonEvent {
  score: number;
  finalScore: number;
  pardonGrantedAt: string;
}

export type GameEvent = { kind: 'score'; data: ScoreEvent } | { kind: 'pardon'; data: PardonEvent };

const THRESHOLD = 90;

/** The player's week, or undefined when the gateway has none to give (an older gateway, an outage). */
export async function fetchMe(player: Player): Promise<Me | undefined> {
  try {
    const r = await player.call('GET', '/api/me');
    return r.status === 200 && typeof r.json['score'] === 'number'
      ? (r.json as unknown as Me)
      : undefined;
  } catch {
    return undefined;
  }
}

const fmt = (n: number): string => String(Math.round(n * 100) / 100);
const signed = (n: number): string => (n > 0 ? `+${fmt(n)}` : fmt(n));

export function standingLine(agent: string, me: Me | undefined): string {
  const who = `${nameOf(agent)} (${agent})`;
  if (!me) return who;
  if (me.pardonGrantedAt !== null)
    return `${who} · you were pardoned this week with ${fmt(me.finalScore ?? me.score)}`;
  return `${who} · your score this week: ${fmt(me.score)}/${me.pardonThreshold || THRESHOLD}`;
}

export function eventLine(event: GameEvent, threshold = THRESHOLD): string {
  if (event.kind === 'pardon')
    return `*** Pardon granted! Final score ${fmt(event.data.finalScore)} ***`;
  const e = event.data;
  return `  ${nameOf(e.agentId)}: ${signed(e.points)} (${e.reason}) · score ${fmt(e.score)}/${threshold}`;
}

/** A named stream event as a game event; anything else is undefined. */
export function gameEventFrom(name: string, data: unknown): GameEvent | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const json = data as Record<string, unknown>;
  if (
    name === 'score' &&
    typeof json['score'] === 'number' &&
    typeof json['messageId'] === 'string'
  )
    return { kind: 'score', data: json as unknown as ScoreEvent };
  if (name === 'pardon' && typeof json['finalScore'] === 'number')
    return { kind: 'pardon', data: json as unknown as PardonEvent };
  return undefined;
}

/** The game's events of a thread's stream, as they arrive. Returns the unsubscribe. */
export function followGame(stream: EventStream, onEvent: (event: GameEvent) => void): () => void {
  return stream.onNamed((name, data) => {
    const event = gameEventFrom(name, data);
    if (event) onEvent(event);
  });
}

/** Resolves once `ready()` holds or `ms` passed. */
export async function waitFor(ready: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
