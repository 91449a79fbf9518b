// The player page's game state, without a browser: which stream events are the game's, how a
// score or pardon event moves the standing, and what /api/me says about a pardon.
// eslint-disable-next-line @nx/enforce-module-boundaries -- the page under test is no library: its source is read directly, as the page's build does
import {
  barPercent,
  fmt,
  gameEventOf,
  signed,
  withMe,
  withPardon,
  withScore,
  type Me,
  type Standing,
} from '../../../apps/gateway/web/src/player/standing';

const WEEK = '2026-11-30T14:00Z';
const me = (over: Partial<Me> = {}): Me => ({
  wallet: 'W1',
  weekId: WEEK,
  score: 10,
  finalScore: null,
  pardonGrantedAt: null,
  rank: null,
  agentsTalkedTo: ['cz'],
  messagesSent: 3,
  lastChange: null,
  pardonThreshold: 90,
  ...over,
});
const empty: Standing = { me: undefined, board: undefined, pardon: undefined };

describe('gameEventOf', () => {
  it('takes score and pardon events and leaves messages and unknown names alone', () => {
    const score = {
      threadId: 't',
      messageId: 't-3',
      agentId: 'cz',
      weekId: WEEK,
      points: 2,
      score: 12,
      reason: 'a fair deal',
    };
    expect(gameEventOf({ id: 't-2', event: 'score', data: JSON.stringify(score) })).toEqual({
      kind: 'score',
      data: score,
    });
    const pardon = {
      threadId: 't',
      weekId: WEEK,
      score: 91,
      finalScore: 91,
      pardonGrantedAt: '2026-12-01T10:00:00.000Z',
    };
    expect(gameEventOf({ id: undefined, event: 'pardon', data: JSON.stringify(pardon) })).toEqual({
      kind: 'pardon',
      data: pardon,
    });
    expect(gameEventOf({ id: 't-1', event: 'message', data: '{"id":"t-1"}' })).toBeUndefined();
    expect(gameEventOf({ id: undefined, event: 'other', data: '{}' })).toBeUndefined();
    expect(gameEventOf({ id: undefined, event: 'score', data: 'not json' })).toBeUndefined();
    expect(gameEventOf({ id: undefined, event: 'score', data: '{"score":"12"}' })).toBeUndefined();
  });
});

describe('standing', () => {
  it('fills the bar toward the threshold, clamped', () => {
    expect(barPercent(45, 90)).toBe(50);
    expect(barPercent(-4, 90)).toBe(0);
    expect(barPercent(120, 90)).toBe(100);
    expect(signed(3)).toBe('+3');
    expect(signed(-2)).toBe('-2');
    expect(signed(0)).toBe('0');
    expect(signed(2.3)).toBe('+2.3');
    expect(fmt(11.400000001)).toBe('11.4');
  });

  it('moves the score and the last change on a score event of the same week only', () => {
    const s = withMe(empty, me());
    const e = {
      threadId: 't',
      messageId: 't-3',
      agentId: 'trump-eric',
      weekId: WEEK,
      points: -2,
      score: 8,
      reason: 'an insult',
    };
    const next = withScore(s, e);
    expect(next.me).toMatchObject({
      score: 8,
      lastChange: { points: -2, reason: 'an insult', agentId: 'trump-eric' },
      agentsTalkedTo: ['cz', 'trump-eric'],
    });
    expect(withScore(s, { ...e, weekId: '2026-11-23T14:00Z' })).toBe(s);
    expect(withScore(empty, e)).toBe(empty);
  });

  it('shows the pardon from the event or from /api/me', () => {
    const at = '2026-12-01T10:00:00.000Z';
    const byEvent = withPardon(withMe(empty, me({ score: 88 })), {
      threadId: 't',
      weekId: WEEK,
      score: 91,
      finalScore: 91,
      pardonGrantedAt: at,
    });
    expect(byEvent.pardon).toEqual({ finalScore: 91, at });
    expect(byEvent.me).toMatchObject({ score: 91, finalScore: 91, pardonGrantedAt: at });
    expect(withMe(empty, me({ score: 93, finalScore: 93, pardonGrantedAt: at })).pardon).toEqual({
      finalScore: 93,
      at,
    });
    expect(withMe(empty, me()).pardon).toBeUndefined();
  });
});
