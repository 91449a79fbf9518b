import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../shared/api';
import { timeAgo } from '../shared/countdown';
import { PaymentsSection } from './payments';

interface PoolStatus {
  pool: string;
  ready: boolean;
  agentsConnected: string[];
  missingAgents: string[];
  activeThreads: number;
  capacity: number;
}

interface TaskView {
  taskId: string;
  baseUrl: string;
  startedAt: string;
  lastHeartbeatAt: string;
  reachable: boolean;
  error?: string;
  status?: string;
  database?: string;
  pools: PoolStatus[];
}

interface Snapshot {
  taskId: string;
  pool: string;
  status: 'healthy' | 'degraded' | 'unhealthy';
  activeThreads: number;
  agentsConnected: number;
  takenAt: string;
}

interface CronRun {
  job: string;
  lastRun: {
    startedAt: string;
    finishedAt: string;
    ok: boolean;
    summary: Record<string, unknown> | null;
    error: string | null;
  } | null;
}

interface GameView {
  weekId: string;
  weekStart: string;
  weekEnd: string;
  pardons: number;
  board: Array<{ rank: number; wallet: string; finalScore: number; pardonGrantedAt: string }>;
  /** The last 30 minutes, one entry per minute (0 when quiet). */
  evaluationsPerMinute: Array<{ minute: string; count: number }>;
}

interface Overview {
  now: string;
  taskId: string;
  tasks: TaskView[];
  history: Snapshot[];
  cron: CronRun[];
  /** The running week; null when this gateway has no game storage. */
  game?: GameView | null;
}

const TOKEN_KEY = 'pardon.opsToken';
const POLL_MS = Number(new URLSearchParams(location.search).get('poll') ?? 3000) || 3000;

function poolState(p: PoolStatus): 'ready' | 'degraded' | 'down' {
  if (p.ready) return 'ready';
  return p.agentsConnected.length > 0 ? 'degraded' : 'down';
}

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [data, setData] = useState<Overview | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [refused, setRefused] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<number | undefined>(undefined);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!token) return undefined;
    let stopped = false;
    const stop = new AbortController();
    const poll = async () => {
      while (!stopped) {
        try {
          const next = await api<Overview>('/api/ops/overview', { token, signal: stop.signal });
          setData(next);
          setError(undefined);
          setRefused(false);
          setUpdatedAt(Date.now());
        } catch (err) {
          if (stopped) return;
          if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
            setRefused(true);
            setData(undefined);
            setError(
              err.status === 404
                ? 'The operations API is disabled (OPS_TOKEN unset).'
                : 'Operator token refused.',
            );
            return;
          }
          setError(`Update failed: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    };
    void poll();
    return () => {
      stopped = true;
      stop.abort();
    };
  }, [token, tick]);

  if (!token || refused) {
    return (
      <TokenForm
        error={error}
        onSubmit={(t) => {
          sessionStorage.setItem(TOKEN_KEY, t);
          setRefused(false);
          setError(undefined);
          setToken(t);
          setTick((n) => n + 1);
        }}
      />
    );
  }

  const pools = data?.tasks.flatMap((t) => t.pools) ?? [];
  const ready = pools.filter((p) => p.ready).length;
  return (
    <div class="ops">
      <header class="bar">
        <span class="brand">Pardon ops</span>
        <span class="who">
          <span data-testid="summary">
            {data
              ? `${data.tasks.length} task(s) · ${ready}/${pools.length} pools ready`
              : 'Loading…'}
          </span>
          <span class="fine" data-testid="updated">
            {updatedAt ? ` · updated ${new Date(updatedAt).toLocaleTimeString()}` : ''}
          </span>
          <button
            class="link"
            onClick={() => {
              sessionStorage.removeItem(TOKEN_KEY);
              setToken('');
              setData(undefined);
            }}
          >
            Forget token
          </button>
        </span>
      </header>
      {error && (
        <div class="notice error" role="status">
          {error}
        </div>
      )}
      {data && (
        <main class="ops-grid">
          <section class="card wide">
            <h2>Tasks and pools</h2>
            {data.tasks.length === 0 && <p class="fine">No live task in the registry.</p>}
            {data.tasks.map((t) => (
              <TaskCard key={t.taskId} task={t} />
            ))}
          </section>
          <section class="card wide">
            <h2>Pool health over time</h2>
            <HealthChart history={data.history} now={Date.parse(data.now)} />
          </section>
          {data.game && (
            <section class="card" data-testid="game">
              <h2>This week</h2>
              <GameCard game={data.game} now={Date.parse(data.now)} token={token} />
            </section>
          )}
          <section class="card wide" data-testid="payments">
            <h2>Payments</h2>
            <PaymentsSection token={token} pollMs={Math.max(POLL_MS, 5000)} />
          </section>
          <section class="card">
            <h2>Cron jobs</h2>
            <CronTable
              runs={data.cron}
              token={token}
              now={Date.parse(data.now)}
              onRan={() => setTick((n) => n + 1)}
            />
          </section>
        </main>
      )}
    </div>
  );
}

function TokenForm(props: { error: string | undefined; onSubmit: (t: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <main class="signin">
      <h1>Pardon ops</h1>
      <p class="lede">Operators only. Enter the operator token (OPS_TOKEN).</p>
      {props.error && (
        <div class="notice error" role="alert" data-testid="ops-refused">
          {props.error}
        </div>
      )}
      <form
        class="actions"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.onSubmit(value.trim());
        }}
      >
        <input
          type="password"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          placeholder="Operator token"
          aria-label="Operator token"
          data-testid="ops-token"
        />
        <button class="primary" type="submit" data-testid="ops-sign-in">
          Open dashboard
        </button>
      </form>
    </main>
  );
}

function TaskCard({ task }: { task: TaskView }) {
  return (
    <div class="task" data-testid="task">
      <div class="task-head">
        <strong>{task.taskId}</strong> <span class="fine">{task.baseUrl}</span>{' '}
        <span class={`pill ${task.reachable && task.status === 'ok' ? 'ready' : 'degraded'}`}>
          {task.reachable ? (task.status ?? 'unknown') : 'unreachable'}
        </span>{' '}
        <span class="fine">
          db {task.database ?? '?'} · heartbeat {timeAgo(task.lastHeartbeatAt)}
        </span>
      </div>
      {task.error && <div class="fine">{task.error}</div>}
      <table class="pools">
        <thead>
          <tr>
            <th>pool</th>
            <th>state</th>
            <th>agents</th>
            <th>threads</th>
          </tr>
        </thead>
        <tbody>
          {task.pools.map((p) => {
            const state = poolState(p);
            const load = p.capacity > 0 ? Math.min(1, p.activeThreads / p.capacity) : 0;
            return (
              <tr key={p.pool} data-testid="pool-row" data-pool={p.pool} data-state={state}>
                <td>{p.pool}</td>
                <td>
                  <span class={`pill ${state}`}>{state}</span>
                </td>
                <td>
                  {p.agentsConnected.length}/{p.agentsConnected.length + p.missingAgents.length}
                  {p.missingAgents.length > 0 && (
                    <span class="missing"> missing {p.missingAgents.join(', ')}</span>
                  )}
                </td>
                <td>
                  <span class="meter" title={`${p.activeThreads} of ${p.capacity}`}>
                    <span style={{ width: `${Math.round(load * 100)}%` }} />
                  </span>{' '}
                  {p.activeThreads}/{p.capacity}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const COLORS = { healthy: '#2f9e44', degraded: '#f08c00', unhealthy: '#e03131' } as const;

/** One row per (task, pool), one cell per pool-health snapshot, coloured by status. */
function HealthChart({ history, now }: { history: Snapshot[]; now: number }) {
  if (history.length === 0)
    return <p class="fine">No snapshots yet — the pool-health job writes one per pool per run.</p>;
  const rows = [...new Set(history.map((s) => `${s.taskId} ${s.pool}`))].sort();
  // The newest snapshots sit at the right edge ("now"); at least a minute is shown.
  const earliest = Math.min(...history.map((s) => Date.parse(s.takenAt)));
  const span = Math.max(60_000, now - earliest);
  const from = now - span;
  const W = 600;
  const label = 150;
  const rowH = 14;
  const H = rows.length * rowH + 18;
  const x = (t: number) => label + ((t - from) / span) * (W - label - 8);
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      class="chart"
      role="img"
      aria-label="Pool health snapshots"
      data-testid="health-chart"
    >
      {rows.map((r, i) => (
        <text key={r} x={0} y={i * rowH + 10} class="axis">
          {r.length > 26 ? `…${r.slice(-25)}` : r}
        </text>
      ))}
      {history.map((s) => {
        const i = rows.indexOf(`${s.taskId} ${s.pool}`);
        return (
          <rect
            key={`${s.taskId}${s.pool}${s.takenAt}`}
            x={x(Date.parse(s.takenAt)) - 2}
            y={i * rowH + 2}
            width={4}
            height={rowH - 4}
            fill={COLORS[s.status] ?? '#868e96'}
            data-status={s.status}
          >
            <title>{`${s.pool} ${s.status} at ${new Date(s.takenAt).toLocaleTimeString()}: ${s.agentsConnected} agents, ${s.activeThreads} threads`}</title>
          </rect>
        );
      })}
      <text x={label} y={H - 4} class="axis">
        {new Date(from).toLocaleTimeString()}
      </text>
      <text x={W - 8} y={H - 4} class="axis" text-anchor="end">
        now
      </text>
    </svg>
  );
}

const short = (wallet: string) => `${wallet.slice(0, 4)}…${wallet.slice(-4)}`;

/** The running week: pardons so far, the top of the board, evaluations per minute. */
function GameCard({ game, now, token }: { game: GameView; now: number; token: string }) {
  const perMinute = game.evaluationsPerMinute;
  const total = perMinute.reduce((sum, m) => sum + m.count, 0);
  const peak = Math.max(1, ...perMinute.map((m) => m.count));
  const W = 600;
  const H = 70;
  const barW = perMinute.length > 0 ? W / perMinute.length : W;
  return (
    <>
      <p>
        <strong data-testid="game-pardons">{game.pardons}</strong> pardon(s) in week{' '}
        <span class="fine" data-testid="game-week">
          {game.weekId}
        </span>{' '}
        <span class="fine">· ends {new Date(game.weekEnd).toLocaleString()}</span>
      </p>
      <svg
        viewBox={`0 0 ${W} ${H + 12}`}
        class="chart"
        role="img"
        aria-label="Evaluations per minute, last 30 minutes"
        data-testid="evaluations-chart"
      >
        {perMinute.map((m, i) => {
          const h = (m.count / peak) * H;
          return (
            <rect
              key={m.minute}
              x={i * barW + 0.5}
              y={H - h}
              width={Math.max(1, barW - 1)}
              height={h}
              fill="#4c6ef5"
              data-count={m.count}
            >
              <title>{`${new Date(m.minute).toLocaleTimeString()}: ${m.count} evaluation(s)`}</title>
            </rect>
          );
        })}
        <text x={0} y={H + 10} class="axis">
          {`${total} evaluation(s) in 30 min · peak ${peak}/min`}
        </text>
      </svg>
      {game.board.length === 0 ? (
        <p class="fine">No pardon yet this week.</p>
      ) : (
        <table data-testid="game-board">
          <thead>
            <tr>
              <th>#</th>
              <th>wallet</th>
              <th>final score</th>
              <th>pardoned</th>
            </tr>
          </thead>
          <tbody>
            {game.board.map((e) => (
              <tr key={e.wallet} data-testid="board-row">
                <td>{e.rank}</td>
                <td title={e.wallet}>{short(e.wallet)}</td>
                <td>{e.finalScore.toFixed(2)}</td>
                <td>{timeAgo(e.pardonGrantedAt, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PrizesDownload weekStart={game.weekStart} token={token} />
    </>
  );
}

/** Last week's prizes as CSV: fetched with the token (a plain link cannot send it), then saved. */
function PrizesDownload({ weekStart, token }: { weekStart: string; token: string }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const lastWeek = `${new Date(Date.parse(weekStart) - 7 * 86_400_000).toISOString().slice(0, 16)}Z`;
  const download = async () => {
    setError(undefined);
    try {
      const res = await fetch(`/api/ops/prizes.csv?week=${encodeURIComponent(lastWeek)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `prizes-${lastWeek.replace(/:/g, '')}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setError(`Download failed: ${(err as Error).message}`);
    }
  };
  return (
    <p class="fine">
      <button class="link" onClick={() => void download()} data-testid="prizes-csv">
        Last week’s prizes (CSV)
      </button>
      {error && <span> {error}</span>}
    </p>
  );
}

function CronTable(props: { runs: CronRun[]; token: string; now: number; onRan: () => void }) {
  const [running, setRunning] = useState<string | undefined>(undefined);
  const [result, setResult] = useState<string | undefined>(undefined);
  const run = async (job: string) => {
    setRunning(job);
    setResult(undefined);
    try {
      await api(`/api/ops/cron/${job}`, { method: 'POST', token: props.token });
      setResult(`${job} finished`);
      props.onRan();
    } catch (err) {
      setResult(`${job} failed: ${(err as Error).message}`);
    } finally {
      setRunning(undefined);
    }
  };
  return (
    <>
      <table class="cron">
        <tbody>
          {props.runs.map((r) => (
            <tr key={r.job} data-testid="cron-row" data-job={r.job}>
              <td>{r.job}</td>
              <td>
                {r.lastRun ? (
                  <span title={JSON.stringify(r.lastRun.summary ?? r.lastRun.error)}>
                    <span class={`pill ${r.lastRun.ok ? 'ready' : 'down'}`}>
                      {r.lastRun.ok ? 'ok' : 'failed'}
                    </span>{' '}
                    {timeAgo(r.lastRun.finishedAt, props.now)}
                  </span>
                ) : (
                  <span class="fine">never</span>
                )}
              </td>
              <td>
                <button
                  class="secondary"
                  disabled={running !== undefined}
                  onClick={() => void run(r.job)}
                  data-testid={`run-${r.job}`}
                >
                  {running === r.job ? 'Running…' : 'Run now'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {result && (
        <p class="fine" data-testid="cron-result">
          {result}
        </p>
      )}
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
