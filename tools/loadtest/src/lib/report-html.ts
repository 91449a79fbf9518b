import type { Summary } from './runner';
import { escapeXml as esc, lineChart, type Series } from './svg';

const MAX_ERROR_SERIES = 6;

const ms = (v: number) => `${Math.round(v).toLocaleString('en-US')} ms`;
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

function table(rows: Array<[string, string]>): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

/** The four charts of a report, each a standalone SVG: latency, throughput, errors, pool load. */
export function renderCharts(
  summary: Summary,
): Record<'latency' | 'throughput' | 'errors' | 'pools', string> {
  const tl = summary.timeline;
  const latency = lineChart({
    title: 'Send → reply time per window (p50, p95, p99)',
    yLabel: 'ms',
    series: (['p50Ms', 'p95Ms', 'p99Ms'] as const).map((k) => ({
      name: k.replace('Ms', ''),
      points: tl.map((p) => [p.tS, p[k]] as [number, number | null]),
    })),
    refLines: [
      {
        value: summary.config.targets.p95Ms,
        label: `p95 target ${ms(summary.config.targets.p95Ms)}`,
      },
      {
        value: summary.config.targets.p99Ms,
        label: `p99 target ${ms(summary.config.targets.p99Ms)}`,
      },
    ],
  });
  const throughput = lineChart({
    title: 'Throughput and active players',
    yLabel: 'per second / players',
    series: [
      { name: 'requests/s', points: tl.map((p) => [p.tS, p.requestsPerS]) },
      { name: 'replies/s', points: tl.map((p) => [p.tS, p.repliesPerS]) },
      { name: 'active players', points: tl.map((p) => [p.tS, p.activePlayers]), dashed: true },
    ],
  });
  const kinds = Object.keys(summary.errorsByKind);
  const shown = kinds.slice(0, MAX_ERROR_SERIES);
  const errorSeries: Series[] = [
    { name: 'all errors', points: tl.map((p) => [p.tS, p.errors]) },
    ...shown.map((kind) => ({
      name: kind,
      points: tl.map((p) => [p.tS, p.errorsByKind[kind] ?? 0] as [number, number]),
    })),
  ];
  const errors = lineChart({
    title: `Errors per ${summary.config.bucketMs / 1000} s window, by kind`,
    yLabel: 'errors',
    series: errorSeries,
  });
  const poolNames = Object.keys(summary.pools.capacity).sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const capacities = [...new Set(Object.values(summary.pools.capacity))];
  const pools = lineChart({
    title: 'Open threads per pool (gateway /health)',
    yLabel: 'threads',
    series: poolNames.map((pool) => ({
      name: pool,
      points: summary.pools.samples.map(
        (s) => [s.tS, s.activeThreads[pool] ?? null] as [number, number | null],
      ),
    })),
    refLines: capacities.map((c) => ({ value: c, label: `capacity ${c}` })),
  });
  return { latency, throughput, errors, pools };
}

/** The run as one self-contained HTML page: inline CSS and SVG, no scripts, no network. */
export function renderReport(summary: Summary): string {
  const charts = renderCharts(summary);
  const v = summary.verdict;
  const checks = v.checks
    .map(
      (c) =>
        `<tr class="${c.pass ? 'pass' : 'fail'}"><td>${c.pass ? 'PASS' : 'FAIL'}</td><td>${esc(c.name)}</td><td>${esc(
          c.name === 'errorRate'
            ? pct(c.actual)
            : c.name === 'replies'
              ? String(c.actual)
              : ms(c.actual),
        )}</td><td>${esc(c.op)} ${esc(
          c.name === 'errorRate'
            ? pct(c.limit)
            : c.name === 'replies'
              ? String(c.limit)
              : ms(c.limit),
        )}</td></tr>`,
    )
    .join('');
  const errorRows = Object.entries(summary.errorsByKind)
    .map(([kind, n]) => `<tr><td>${esc(kind)}</td><td>${n}</td></tr>`)
    .join('');
  const c = summary.config;
  const t = summary.totals;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Load test ${esc(summary.startedAt)} — ${v.pass ? 'PASS' : 'FAIL'}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px} h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0} th,td{border:1px solid #ddd;padding:4px 10px;text-align:left}
th{background:#f6f6f6;font-weight:600} .verdict{font-size:18px;font-weight:bold;padding:8px 12px;display:inline-block}
.pass .verdict,.verdict.pass{background:#e3f6e3;color:#146c14} .verdict.fail{background:#fbe3e3;color:#a11}
tr.pass td:first-child{color:#146c14;font-weight:bold} tr.fail td:first-child{color:#a11;font-weight:bold}
.grid{display:flex;flex-wrap:wrap;gap:24px} svg.chart{background:#fff;border:1px solid #eee}
</style></head><body>
<h1>Load test of ${esc(summary.target)}</h1>
<p class="verdict ${v.pass ? 'pass' : 'fail'}">${v.pass ? 'PASS' : 'FAIL'}</p>
<p>${esc(summary.startedAt)} → ${esc(summary.finishedAt)} (${summary.durationS} s, ended by ${esc(summary.stoppedBy)})</p>
<h2>Verdict against the design's targets</h2>
<table><tr><th></th><th>check</th><th>measured</th><th>target</th></tr>${checks}</table>
<h2>Totals</h2>
${table([
  ['players (peak)', String(c.players)],
  [
    'phases',
    `ramp-up ${c.phases.rampUpMs / 1000} s, sustain ${c.phases.sustainMs / 1000} s, ramp-down ${c.phases.rampDownMs / 1000} s`,
  ],
  [
    'mix',
    Object.entries(c.mix)
      .map(([k, w]) => `${k} ${Math.round(w * 100)} %`)
      .join(', '),
  ],
  [
    'visits',
    Object.entries(t.journeys)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || '0',
  ],
  ['requests', `${t.requests} (${summary.throughput.requestsPerS}/s)`],
  [
    'messages sent / replies',
    `${t.messagesSent} / ${t.replies} (${summary.throughput.repliesPerS} replies/s)`,
  ],
  [
    'send → reply p50 / p95 / p99 / max',
    `${ms(summary.latency.p50Ms)} / ${ms(summary.latency.p95Ms)} / ${ms(summary.latency.p99Ms)} / ${ms(summary.latency.maxMs)}`,
  ],
  ['errors', `${t.errors} of ${t.operations} operations (${pct(summary.errorRate)})`],
  [
    'think time',
    `${c.thinkMs.min}–${c.thinkMs.max} ms; ${c.messagesPerConversation} messages per thread; reply timeout ${ms(c.replyTimeoutMs)}`,
  ],
])}
<h2>Errors by kind</h2>
${errorRows ? `<table><tr><th>kind</th><th>count</th></tr>${errorRows}</table>` : '<p>None.</p>'}
<h2>Charts</h2>
<div class="grid">
<figure id="chart-latency">${charts.latency}</figure>
<figure id="chart-throughput">${charts.throughput}</figure>
<figure id="chart-errors">${charts.errors}</figure>
<figure id="chart-pools">${charts.pools}</figure>
</div>
<p>Latency is measured from just before a message's POST to the agent's reply arriving on the
thread's event stream; a reply that never came counts as a <code>timeout:reply</code> error and
at the timeout in the percentiles. Percentiles come from HdrHistograms (3 significant digits).</p>
</body></html>
`;
}
