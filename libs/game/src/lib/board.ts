import { GameInputError } from './errors';
import { DEFAULT_GAME_RULES, validateGameRules, type GameRules } from './rules';

/** A player of one week as the board sees them; `{wallet, ...playerWeekState}` fits. */
export interface BoardPlayer {
  readonly wallet: string;
  readonly score: number;
  /** Both null until the pardon, both set from it on. */
  readonly finalScore: number | null;
  readonly pardonGrantedAt: number | null;
}

/** One row of a week's board: a pardoned player and their place. */
export interface BoardEntry {
  /** 1-based; ranks are never shared, the tie-breaks make the order total. */
  readonly rank: number;
  readonly wallet: string;
  readonly finalScore: number;
  readonly pardonGrantedAt: number;
}

/** Where one player stands in a week, pardoned or not. */
export interface Standing {
  readonly wallet: string;
  readonly pardoned: boolean;
  readonly score: number;
  readonly finalScore: number | null;
  /** Rank among all pardoned players (not only the top `boardSize`); null if not pardoned. */
  readonly rank: number | null;
  /** Whether the rank is within the board's `boardSize`. */
  readonly onBoard: boolean;
  /** 1-based place among every player of the week: the pardoned in board order, then the rest by score. */
  readonly position: number;
  readonly players: number;
}

// Code-unit order, not localeCompare: the same on every machine and in every locale.
function compareWallets(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isPardoned(p: BoardPlayer): boolean {
  if ((p.finalScore === null) !== (p.pardonGrantedAt === null)) {
    throw new GameInputError(
      'invalid_player',
      `${p.wallet} has only one of finalScore and pardonGrantedAt`,
    );
  }
  return p.finalScore !== null;
}

/**
 * Board order: final score high to low; on a tie, who reached the threshold first; then the
 * wallet, so the order is total and the same on every replay. Players without a pardon come
 * after, by score high to low, then wallet.
 */
function compareStanding(a: BoardPlayer, b: BoardPlayer): number {
  const ap = isPardoned(a);
  const bp = isPardoned(b);
  if (ap !== bp) return ap ? -1 : 1;
  if (ap && bp) {
    const byFinal = (b.finalScore as number) - (a.finalScore as number);
    if (byFinal !== 0) return byFinal;
    const byTime = (a.pardonGrantedAt as number) - (b.pardonGrantedAt as number);
    if (byTime !== 0) return byTime;
  } else if (b.score !== a.score) {
    return b.score - a.score;
  }
  return compareWallets(a.wallet, b.wallet);
}

function sortedPlayers(players: readonly BoardPlayer[]): BoardPlayer[] {
  const seen = new Set<string>();
  for (const p of players) {
    if (seen.has(p.wallet)) {
      throw new GameInputError('duplicate_wallet', `${p.wallet} appears twice in one week`);
    }
    seen.add(p.wallet);
  }
  return [...players].sort(compareStanding);
}

/** Every pardoned player of the week in board order, ranked 1…n (prizes read this). */
export function rankPardoned(players: readonly BoardPlayer[]): BoardEntry[] {
  return sortedPlayers(players)
    .filter(isPardoned)
    .map((p, i) => ({
      rank: i + 1,
      wallet: p.wallet,
      finalScore: p.finalScore as number,
      pardonGrantedAt: p.pardonGrantedAt as number,
    }));
}

/** The week's board: the first `boardSize` (100) pardoned players in board order. */
export function buildBoard(
  players: readonly BoardPlayer[],
  rules: GameRules = DEFAULT_GAME_RULES,
): BoardEntry[] {
  validateGameRules(rules);
  return rankPardoned(players).slice(0, rules.boardSize);
}

/**
 * A player's own standing, shown even when they are below the threshold or off the board:
 * their rank among the pardoned (or null) and their position among everyone. Null when the
 * wallet did not play this week.
 */
export function playerStanding(
  players: readonly BoardPlayer[],
  wallet: string,
  rules: GameRules = DEFAULT_GAME_RULES,
): Standing | null {
  validateGameRules(rules);
  const sorted = sortedPlayers(players);
  const index = sorted.findIndex((p) => p.wallet === wallet);
  const player = sorted[index];
  if (player === undefined) return null;
  const pardoned = isPardoned(player);
  // The pardoned sort first, so a pardoned player's rank is their position.
  const rank = pardoned ? index + 1 : null;
  return {
    wallet,
    pardoned,
    score: player.score,
    finalScore: player.finalScore,
    rank,
    onBoard: rank !== null && rank <= rules.boardSize,
    position: index + 1,
    players: sorted.length,
  };
}
