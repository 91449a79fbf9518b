// The ops page's payments: verified and late payments (late ones are refunded by an operator),
// the payment intents by status, the volume per day and the CSV export. Read with the operator
// token from /api/ops/payments*, on its own slower poll than the overview.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../shared/api';
import { timeAgo } from '../shared/countdown';

interface Payment {
  id: string;
  signature: string;
  wallet: string;
  agentId: string;
  service: string;
  amount: string;
  amountDisplay: string;
  mint: string;
  status: 'verified' | 'late';
  bonusPoints: number;
  createdAt: string;
  intentId: string;
}

interface Intent {
  intentId: string;
  threadId: string;
  agentId: string;
  service: string;
  label: string;
  amount: string;
  amountDisplay: string;
  recipient: string;
  expiresAt: string;
  status: 'pending' | 'paid' | 'expired' | 'late';
  /** Not in every answer: the intents list is the player event's shape plus a status. */
  wallet?: string;
  createdAt?: string;
}

interface VolumeDay {
  day: string;
  mint: string;
  total: string;
  totalDisplay: string;
  count: number;
}

const PAYMENT_FILTERS = ['all', 'verified', 'late'] as const;
const INTENT_FILTERS = ['pending', 'expired', 'paid', 'late', 'all'] as const;
const VOLUME_DAYS = 14;

const short = (s: string) => (s.length > 10 ? `${s.slice(0, 4)}…${s.slice(-4)}` : s);

function Filters<T extends string>(props: {
  options: readonly T[];
  value: T;
  onChange: (v: T) => void;
  testid: string;
}) {
  return (
    <div class="filters" role="group" aria-label="Status" data-testid={props.testid}>
      {props.options.map((o) => (
        <button
          key={o}
          class={`secondary ${props.value === o ? 'on' : ''}`}
          aria-pressed={props.value === o}
          onClick={() => props.onChange(o)}
          data-filter={o}
        >
          {o}
        </button>
      ))}
    </div>
  );
}

export function PaymentsSection(props: { token: string; pollMs: number }) {
  const [paymentFilter, setPaymentFilter] = useState<(typeof PAYMENT_FILTERS)[number]>('all');
  const [intentFilter, setIntentFilter] = useState<(typeof INTENT_FILTERS)[number]>('pending');
  const [payments, setPayments] = useState<Payment[] | undefined>(undefined);
  const [intents, setIntents] = useState<Intent[] | undefined>(undefined);
  const [volume, setVolume] = useState<VolumeDay[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [absent, setAbsent] = useState(false);

  useEffect(() => {
    let stopped = false;
    const stop = new AbortController();
    const opts = { token: props.token, signal: stop.signal };
    // No `limit`/`days` in the query: the gateway does not coerce query strings to integers
    // (its defaults, 100 rows and 14 days, are what this section shows).
    const status = (f: string) => (f === 'all' ? '' : `?status=${f}`);
    const poll = async () => {
      while (!stopped) {
        try {
          const [p, i, v] = await Promise.all([
            api<{ payments: Payment[] }>(`/api/ops/payments${status(paymentFilter)}`, opts),
            api<{ intents: Intent[] }>(`/api/ops/payment-intents${status(intentFilter)}`, opts),
            api<{ days: VolumeDay[] }>('/api/ops/payments/volume', opts),
          ]);
          setPayments(p.payments);
          setIntents(i.intents);
          setVolume(v.days);
          setError(undefined);
          setAbsent(false);
        } catch (err) {
          if (stopped) return;
          if (err instanceof ApiError && err.status === 404) {
            // A gateway without payments (or an older one): say so, and stop asking.
            setAbsent(true);
            return;
          }
          setError(`Payments update failed: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, props.pollMs));
      }
    };
    void poll();
    return () => {
      stopped = true;
      stop.abort();
    };
  }, [props.token, paymentFilter, intentFilter]);

  if (absent)
    return (
      <p class="fine" data-testid="payments-absent">
        This gateway serves no payments API.
      </p>
    );
  return (
    <>
      {error && <p class="fine">{error}</p>}
      <h3 class="sub">Volume, last {VOLUME_DAYS} days</h3>
      <VolumeChart days={volume} />
      <h3 class="sub">Payments</h3>
      <Filters
        options={PAYMENT_FILTERS}
        value={paymentFilter}
        onChange={setPaymentFilter}
        testid="payments-filter"
      />
      <PaymentsTable payments={payments} />
      <CsvDownload token={props.token} />
      <h3 class="sub">Payment intents</h3>
      <Filters
        options={INTENT_FILTERS}
        value={intentFilter}
        onChange={setIntentFilter}
        testid="intents-filter"
      />
      <IntentsTable intents={intents} />
    </>
  );
}

function PaymentsTable({ payments }: { payments: Payment[] | undefined }) {
  if (!payments) return <p class="fine">Loading…</p>;
  if (payments.length === 0) return <p class="fine">No payments.</p>;
  return (
    <div class="scroll-x">
      <table data-testid="payments-table">
        <thead>
          <tr>
            <th>when</th>
            <th>status</th>
            <th>wallet</th>
            <th>agent</th>
            <th>service</th>
            <th>amount</th>
            <th>bonus</th>
            <th>signature</th>
          </tr>
        </thead>
        <tbody>
          {payments.map((p) => (
            <tr
              key={p.id}
              data-testid="payment-row"
              data-status={p.status}
              data-signature={p.signature}
            >
              <td title={p.createdAt}>{timeAgo(p.createdAt)}</td>
              <td>
                <span
                  class={`pill ${p.status === 'verified' ? 'ready' : 'degraded'}`}
                  title={p.status === 'late' ? 'Arrived after expiry: refund it' : undefined}
                >
                  {p.status === 'late' ? 'late — refund' : p.status}
                </span>
              </td>
              <td class="mono" title={p.wallet}>
                {short(p.wallet)}
              </td>
              <td>{p.agentId}</td>
              <td>{p.service}</td>
              <td>{p.amountDisplay}</td>
              <td>{p.bonusPoints}</td>
              <td class="mono" title={p.signature}>
                {short(p.signature)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function IntentsTable({ intents }: { intents: Intent[] | undefined }) {
  if (!intents) return <p class="fine">Loading…</p>;
  if (intents.length === 0) return <p class="fine">No intents.</p>;
  const now = Date.now();
  return (
    <div class="scroll-x">
      <table data-testid="intents-table">
        <thead>
          <tr>
            <th>status</th>
            <th>agent</th>
            <th>service</th>
            <th>amount</th>
            <th>expires</th>
            <th>intent</th>
          </tr>
        </thead>
        <tbody>
          {intents.map((i) => {
            const left = Math.round((Date.parse(i.expiresAt) - now) / 1000);
            return (
              <tr key={i.intentId} data-testid="intent-row" data-status={i.status}>
                <td>
                  <span
                    class={`pill ${i.status === 'paid' ? 'ready' : i.status === 'pending' ? '' : i.status === 'late' ? 'degraded' : 'down'}`}
                  >
                    {i.status}
                  </span>
                </td>
                <td>{i.agentId}</td>
                <td title={i.service}>{i.label}</td>
                <td>{i.amountDisplay}</td>
                <td title={i.expiresAt}>
                  {left > 0 ? `in ${left}s` : timeAgo(i.expiresAt, now).replace('just now', 'now')}
                </td>
                <td class="mono" title={i.intentId}>
                  {short(i.intentId)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** One bar per day (per mint when there are several), scaled to the busiest day. */
function VolumeChart({ days }: { days: VolumeDay[] | undefined }) {
  if (!days) return <p class="fine">Loading…</p>;
  if (days.length === 0) return <p class="fine">No payment volume yet.</p>;
  const sorted = [...days].sort(
    (a, b) => a.day.localeCompare(b.day) || a.mint.localeCompare(b.mint),
  );
  // Base units are integers that may pass 2^53: the scale only needs their proportions.
  const value = (d: VolumeDay) => Number(d.total) || 0;
  const peak = Math.max(1, ...sorted.map(value));
  const count = sorted.reduce((n, d) => n + d.count, 0);
  const W = 600;
  const H = 70;
  const barW = W / Math.max(sorted.length, 7);
  return (
    <svg
      viewBox={`0 0 ${W} ${H + 24}`}
      class="chart"
      role="img"
      aria-label="Payment volume per day"
      data-testid="volume-chart"
    >
      {sorted.map((d, i) => {
        const h = (value(d) / peak) * H;
        return (
          <g key={`${d.day}${d.mint}`}>
            <rect
              x={i * barW + 1}
              y={H - h}
              width={Math.max(1, barW - 2)}
              height={h}
              fill="#9b1c31"
              data-day={d.day}
              data-count={d.count}
            >
              <title>{`${d.day}: ${d.totalDisplay} in ${d.count} payment(s)`}</title>
            </rect>
            <text x={i * barW + barW / 2} y={H + 10} class="axis" text-anchor="middle">
              {d.day.slice(5)}
            </text>
          </g>
        );
      })}
      <text x={0} y={H + 22} class="axis">
        {`${count} payment(s) · busiest day ${sorted.reduce((a, b) => (value(b) > value(a) ? b : a)).totalDisplay}`}
      </text>
    </svg>
  );
}

/** The payments as CSV: fetched with the token (a plain link cannot send it), then saved. */
function CsvDownload({ token }: { token: string }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const download = async () => {
    setError(undefined);
    try {
      const res = await fetch('/api/ops/payments.csv', {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `payments-${new Date().toISOString().slice(0, 10)}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setError(`Download failed: ${(err as Error).message}`);
    }
  };
  return (
    <p class="fine">
      <button class="link" onClick={() => void download()} data-testid="payments-csv">
        Export payments (CSV)
      </button>
      {error && <span> {error}</span>}
    </p>
  );
}
