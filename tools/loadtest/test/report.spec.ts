// Locks in the report: SVG charts with axes, series and target lines, drawn from the data alone
// (no scripts, no external resources), text escaped; the HTML page carries all four charts and
// the verdict; reports land in <root>/<timestamp>/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderCharts, renderReport } from '../src/lib/report-html';
import { reportFolderName, writeReports } from '../src/lib/reports';
import type { Summary } from '../src/lib/runner';
import { LoadStats } from '../src/lib/stats';
import { escapeXml, lineChart, niceTicks } from '../src/lib/svg';
import { judge } from '../src/lib/verdict';

function summaryOf(stats: LoadStats, durationMs: number): Summary {
  const s = stats.summarize(durationMs);
  return {
    version: 1,
    target: 'http://127.0.0.1:5555',
    startedAt: '2026-11-28T07:30:00.000Z',
    finishedAt: '2026-11-28T07:30:10.000Z',
    stoppedBy: 'duration',
    config: {
      players: 3,
      phases: { rampUpMs: 2000, sustainMs: 6000, rampDownMs: 2000 },
      mix: { new: 0.3, returning: 0.5, multiAgent: 0.15, leaderboard: 0.05 },
      thinkMs: { min: 100, max: 200 },
      messagesPerConversation: 2,
      replyTimeoutMs: 5000,
      requestTimeoutMs: 5000,
      maxRequests: 1000,
      returningWallets: 6,
      seed: 'pardon',
      bucketMs: 1000,
      healthIntervalMs: 1000,
      targets: { p95Ms: 3000, p99Ms: 5000, errorRate: 0.01 },
    },
    ...s,
    verdict: judge({ ...s.latency, errorRate: s.errorRate, replies: s.totals.replies }),
  };
}

function sampleStats(): LoadStats {
  const stats = new LoadStats(1000);
  for (let t = 0; t < 10_000; t += 50) {
    stats.request(t);
    stats.reply(t, 800 + (t % 1000));
    stats.activePlayers(t, 3);
  }
  stats.request(4000, 'http_503:capacity_exhausted');
  stats.pools(1000, [{ pool: 'pool-0', activeThreads: 2, capacity: 30 }], { 'pool-0': 2 });
  stats.pools(3000, [{ pool: 'pool-0', activeThreads: 3, capacity: 30 }], { 'pool-0': 3 });
  return stats;
}

describe('charts', () => {
  it('picks round ticks that cover the data', () => {
    expect(niceTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(4200)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('draws each series as a polyline, gaps for missing points, and labelled reference lines', () => {
    const svg = lineChart({
      title: 'Latency <p95>',
      yLabel: 'ms',
      series: [
        {
          name: 'a',
          points: [
            [0, 1],
            [1, 2],
            [2, null],
            [3, 4],
            [4, 5],
          ],
        },
        { name: 'b', points: [[0, 3]] },
      ],
      refLines: [{ value: 3000, label: 'target' }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline class="series"/g)).toHaveLength(2);
    expect(svg).toContain('<circle');
    expect(svg).toContain('class="ref"');
    expect(svg).toContain('Latency &lt;p95&gt;');
    expect(svg).not.toMatch(/<script|href=|https?:\/\/(?!www\.w3\.org)/);
  });

  it('escapes text for XML and HTML', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});

describe('report', () => {
  it('renders four charts from the timeline and pool samples', () => {
    const charts = renderCharts(summaryOf(sampleStats(), 10_000));
    expect(charts.latency).toContain('p95 target 3,000 ms');
    expect(charts.latency.match(/<polyline class="series"/g)?.length).toBe(3);
    expect(charts.throughput).toContain('active players');
    expect(charts.errors).toContain('http_503:capacity_exhausted');
    expect(charts.pools).toContain('pool-0');
    expect(charts.pools).toContain('capacity 30');
  });

  it('is one offline HTML page with the verdict, totals, errors and charts', () => {
    const html = renderReport(summaryOf(sampleStats(), 10_000));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<p class="verdict pass">PASS</p>');
    for (const id of ['chart-latency', 'chart-throughput', 'chart-errors', 'chart-pools']) {
      expect(html).toContain(`id="${id}"><svg`);
    }
    expect(html).toContain('http_503:capacity_exhausted');
    expect(html).not.toMatch(/<script|<link|src=|@import/);
  });

  it('shows FAIL when a check fails', () => {
    const stats = new LoadStats(1000);
    stats.reply(100, 7000);
    expect(renderReport(summaryOf(stats, 1000))).toContain('<p class="verdict fail">FAIL</p>');
  });

  it('writes summary.json and report.html under a timestamped folder', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'loadtest-report-'));
    try {
      const summary = summaryOf(sampleStats(), 10_000);
      const dir = writeReports(summary, root);
      expect(path.basename(dir)).toBe(reportFolderName(new Date(summary.startedAt)));
      expect(path.basename(dir)).toBe('2026-11-28T07-30-00-000Z');
      expect(JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'))).toEqual(summary);
      expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('chart-pools');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
