// The game's side of `npm run play`: the player's week from GET /api/me and the `score` and
// `pardon` events of a thread stream (named events, which the topology's EventStream skips).
import { messageSeq, type Player } from '@pardon/topology';

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
const RETRY_MS = 500;
const RETRY_MAX_MS = 5_000;

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

/** Parses one SSE block into a game event; anything else (messages, comments) is undefined. */
export function gameEventOf(block: string): { id?: string; event?: GameEvent } {
  let id: string | undefined;
  let name: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  const out: { id?: string; event?: GameEvent } = id === undefined ? {} : { id };
  if ((name !== 'score' && name !== 'pardon') || data.length === 0) return out;
  try {
    const json = JSON.parse(data.join('\n')) as Record<string, unknown>;
    if (
      name === 'score' &&
      typeof json['score'] === 'number' &&
      typeof json['messageId'] === 'string'
    )
      out.event = { kind: 'score', data: json as unknown as ScoreEvent };
    else if (name === 'pardon' && typeof json['finalScore'] === 'number')
      out.event = { kind: 'pardon', data: json as unknown as PardonEvent };
  } catch {
    // A malformed event is not the game's.
  }
  return out;
}

/**
 * Follows a thread's stream for its game events only, from `lastEventId` on (so the history is
 * not replayed), reconnecting after a drop. Score events of messages up to `afterSeq` are dropped.
 */
export function followGame(
  player: Player,
  threadId: string,
  lastEventId: string | undefined,
  onEvent: (event: GameEvent) => void,
): { close: () => void } {
  const controller = new AbortController();
  let last = lastEventId;
  const afterSeq = last === undefined ? 0 : messageSeq(last);
  void (async () => {
    let delay = RETRY_MS;
    while (!controller.signal.aborted) {
      try {
        const response = await player.streamRequest(threadId, last, controller.signal);
        if (response.status === 200 && response.body) {
          delay = RETRY_MS;
          const decoder = new TextDecoder();
          let buffer = '';
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            buffer += decoder.decode(chunk, { stream: true });
            let end: RegExpExecArray | null;
            while ((end = /\r?\n\r?\n/.exec(buffer)) !== null) {
              const { id, event } = gameEventOf(buffer.slice(0, end.index));
              buffer = buffer.slice(end.index + end[0].length);
              if (id !== undefined) last = id;
              if (!event) continue;
              if (event.kind === 'score' && messageSeq(event.data.messageId) <= afterSeq) continue;
              onEvent(event);
            }
          }
        } else {
          await response.text().catch(() => '');
          // A closed or unknown thread (409/404) or a refused token: nothing more will come.
          if ([401, 403, 404, 409].includes(response.status)) return;
        }
      } catch {
        // Cut or refused: reconnect below unless closed.
      }
      if (controller.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(RETRY_MAX_MS, delay * 2);
    }
  })();
  return { close: () => controller.abort() };
}

/** Resolves once `ready()` holds or `ms` passed. */
export async function waitFor(ready: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
