// Locks in the board order (final score, then who reached 90 first, then wallet) and standings.
import {
  buildBoard,
  DEFAULT_GAME_RULES,
  GameInputError,
  playerStanding,
  type BoardPlayer,
} from '../src';

const pardoned = (wallet: string, finalScore: number, pardonGrantedAt: number): BoardPlayer => ({
  wallet,
  score: 90,
  finalScore,
  pardonGrantedAt,
});
const playing = (wallet: string, score: number): BoardPlayer => ({
  wallet,
  score,
  finalScore: null,
  pardonGrantedAt: null,
});

const players = [
  playing('w-low', 12.5),
  pardoned('w-b', 97.1, 2000),
  pardoned('w-a', 97.1, 2000),
  pardoned('w-first', 97.1, 1000),
  playing('w-high', 80),
  pardoned('w-top', 99.2, 5000),
  pardoned('w-last', 90.01, 100),
];

describe('buildBoard', () => {
  it('orders by final score, then earlier pardon, then wallet, and leaves out the unpardoned', () => {
    expect(buildBoard(players).map((e) => [e.rank, e.wallet])).toEqual([
      [1, 'w-top'],
      [2, 'w-first'],
      [3, 'w-a'],
      [4, 'w-b'],
      [5, 'w-last'],
    ]);
  });

  it('is the same whatever order the players come in', () => {
    expect(buildBoard([...players].reverse())).toEqual(buildBoard(players));
  });

  it('keeps the top boardSize only', () => {
    const many = Array.from({ length: 150 }, (_, i) =>
      pardoned(`w${String(i).padStart(3, '0')}`, 95, i),
    );
    const board = buildBoard(many);
    expect(board).toHaveLength(100);
    expect(board[99]?.wallet).toBe('w099');
    expect(buildBoard(many, { ...DEFAULT_GAME_RULES, boardSize: 3 })).toHaveLength(3);
  });

  it('refuses a wallet twice and a half-pardoned player', () => {
    expect(() => buildBoard([playing('w', 1), playing('w', 2)])).toThrow(GameInputError);
    expect(() =>
      buildBoard([{ wallet: 'w', score: 90, finalScore: 95, pardonGrantedAt: null }]),
    ).toThrow(/only one of/);
  });
});

describe('playerStanding', () => {
  it('gives a pardoned player their rank and position', () => {
    expect(playerStanding(players, 'w-a')).toEqual({
      wallet: 'w-a',
      pardoned: true,
      score: 90,
      finalScore: 97.1,
      rank: 3,
      onBoard: true,
      position: 3,
      players: 7,
    });
  });

  it('gives a player below 90 no rank but a position after every pardoned player, by score', () => {
    expect(playerStanding(players, 'w-high')).toMatchObject({
      pardoned: false,
      rank: null,
      onBoard: false,
      position: 6,
    });
    expect(playerStanding(players, 'w-low')).toMatchObject({
      score: 12.5,
      rank: null,
      position: 7,
      players: 7,
    });
  });

  it('says off the board for a pardoned player ranked beyond boardSize', () => {
    const rules = { ...DEFAULT_GAME_RULES, boardSize: 2 };
    expect(playerStanding(players, 'w-a', rules)).toMatchObject({ rank: 3, onBoard: false });
  });

  it('is null for a wallet that did not play', () => {
    expect(playerStanding(players, 'nobody')).toBeNull();
  });
});
