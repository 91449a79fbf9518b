// The player's week: the score bar to the pardon threshold, the last change, the pardon banner and
// the weekly board. Everything is rendered as text.
import { shortAddress } from '../shared/wallet';
import { barPercent, DEFAULT_THRESHOLD, fmt, signed, type Standing } from './standing';

export function ScoreMeter(props: { standing: Standing; nameOf: (id: string) => string }) {
  const { me } = props.standing;
  if (!me) return null;
  const threshold = me.pardonThreshold || DEFAULT_THRESHOLD;
  const change = me.lastChange;
  return (
    <div class="standing" data-testid="standing">
      <span class="standing-label">Score</span>
      <div
        class="score-bar"
        role="progressbar"
        aria-label="Score toward a pardon"
        aria-valuemin={0}
        aria-valuemax={threshold}
        aria-valuenow={me.score}
        data-testid="score-bar"
      >
        <span style={{ width: `${barPercent(me.score, threshold)}%` }} />
      </div>
      <span class="score-num">
        <strong data-testid="score">{fmt(me.score)}</strong>/{threshold}
      </span>
      {change && (
        <span
          class={`last-change ${change.points > 0 ? 'up' : change.points < 0 ? 'down' : ''}`}
          data-testid="last-change"
        >
          {signed(change.points)} from {props.nameOf(change.agentId)}: {change.reason}
        </span>
      )}
    </div>
  );
}

export function PardonBanner(props: { standing: Standing }) {
  const { pardon } = props.standing;
  if (!pardon) return null;
  return (
    <div class="pardon" role="alert" data-testid="pardon-banner">
      <strong>Pardon granted</strong>
      <span>
        Final score <span data-testid="pardon-score">{fmt(pardon.finalScore)}</span>
      </span>
    </div>
  );
}

export function WeeklyBoard(props: { standing: Standing; wallet: string }) {
  const { board } = props.standing;
  if (!board) return null;
  // /api/me is asked after every score event, the board less often: the fresher one speaks.
  const fresh = props.standing.me;
  const me = fresh
    ? {
        rank: fresh.rank,
        score: fresh.score,
        finalScore: fresh.finalScore,
        pardoned: fresh.pardonGrantedAt !== null,
      }
    : board.me;
  return (
    <section class="board" aria-label="This week's board" data-testid="board">
      <h2>This week's pardons</h2>
      {board.entries.length === 0 ? (
        <p class="fine">No pardons yet this week.</p>
      ) : (
        <ol>
          {board.entries.map((e) => (
            <li
              key={e.wallet}
              class={e.wallet === props.wallet ? 'mine' : ''}
              data-testid="board-entry"
            >
              <span class="rank">{e.rank}</span>
              <span class="addr" title={e.wallet}>
                {e.wallet === props.wallet ? 'You' : shortAddress(e.wallet)}
              </span>
              <span class="pts">{fmt(e.finalScore)}</span>
            </li>
          ))}
        </ol>
      )}
      <p class="board-me" data-testid="board-me">
        {me.pardoned
          ? `You: pardoned${me.rank !== null ? `, #${me.rank}` : ''} with ${fmt(me.finalScore ?? me.score)}`
          : `You: ${fmt(me.score)} so far${me.rank !== null ? `, #${me.rank}` : ''}`}
      </p>
    </section>
  );
}
