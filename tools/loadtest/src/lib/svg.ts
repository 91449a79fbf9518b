/** One line of a chart; null values leave a gap. */
export interface Series {
  name: string;
  points: Array<[number, number | null]>;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  yLabel: string;
  xLabel?: string;
  series: Series[];
  /** Horizontal reference lines (targets, capacities). */
  refLines?: Array<{ value: number; label: string }>;
  width?: number;
  height?: number;
}

const LEGEND_PER_ROW = 5;

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Round tick values (1, 2, 5 × 10ⁿ) covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const fmt = (v: number) =>
  Math.abs(v) >= 10_000 ? `${Math.round(v / 1000)}k` : String(Number(v.toPrecision(4)));

/**
 * A line chart as a standalone SVG element (no script, no external resources), so a report
 * opens offline in any browser.
 */
export function lineChart(opts: ChartOptions): string {
  const width = opts.width ?? 760;
  const legendRows = Math.ceil(opts.series.length / LEGEND_PER_ROW);
  const m = { top: 30, right: 16, bottom: 44 + legendRows * 14, left: 62 };
  const height = (opts.height ?? 220) + m.bottom;
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const xs = opts.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [
    ...opts.series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null)),
    ...(opts.refLines ?? []).map((r) => r.value),
  ];
  const xMax = Math.max(1, ...xs);
  const yTicks = niceTicks(Math.max(0, ...ys) || 1);
  const yMax = yTicks[yTicks.length - 1] as number;
  const xTicks = niceTicks(xMax, 8).filter((t) => t <= xMax);
  const x = (v: number) => m.left + (v / xMax) * plotW;
  const y = (v: number) => m.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(opts.title)}">`,
    `<text x="${m.left}" y="18" font-size="14" font-weight="bold">${escapeXml(opts.title)}</text>`,
  );
  for (const t of yTicks) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    parts.push(
      `<text x="${x(t)}" y="${m.top + plotH + 16}" font-size="11" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#333"/>`,
    `<text x="14" y="${m.top + plotH / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${m.top + plotH / 2})">${escapeXml(opts.yLabel)}</text>`,
    `<text x="${m.left + plotW / 2}" y="${m.top + plotH + 32}" font-size="11" text-anchor="middle">${escapeXml(opts.xLabel ?? 'seconds since start')}</text>`,
  );
  for (const r of opts.refLines ?? []) {
    parts.push(
      `<line class="ref" x1="${m.left}" x2="${m.left + plotW}" y1="${y(r.value)}" y2="${y(r.value)}" stroke="#999" stroke-dasharray="6 4"/>`,
      `<text x="${m.left + plotW - 4}" y="${y(r.value) - 4}" font-size="10" text-anchor="end" fill="#666">${escapeXml(r.label)}</text>`,
    );
  }
  opts.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const segments: string[][] = [[]];
    for (const [px, py] of s.points) {
      if (py === null) segments.push([]);
      else
        (segments[segments.length - 1] as string[]).push(`${x(px).toFixed(1)},${y(py).toFixed(1)}`);
    }
    for (const seg of segments.filter((g) => g.length > 0)) {
      if (seg.length === 1) {
        const [cx, cy] = (seg[0] as string).split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`);
      } else {
        parts.push(
          `<polyline class="series" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="4 3"' : ''} points="${seg.join(' ')}"/>`,
        );
      }
    }
    const lx = m.left + (i % LEGEND_PER_ROW) * 140;
    const ly = m.top + plotH + 52 + Math.floor(i / LEGEND_PER_ROW) * 14;
    parts.push(
      `<rect x="${lx}" y="${ly - 8}" width="12" height="3" fill="${color}"/>`,
      `<text x="${lx + 16}" y="${ly - 4}" font-size="11">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
