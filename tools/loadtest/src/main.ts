// `npm run loadtest -- --url http://127.0.0.1:5555 --players 100 --duration 5m`: virtual players
// against a gateway, a report in reports/load-tests/<timestamp>/, exit 1 when the run misses the
// design's targets (2 for bad options or a refused target).
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { formatDuration } from './lib/duration';
import { preflight } from './lib/preflight';
import { buildConfig, DEFAULT_RAW, type RawOptions } from './lib/options';
import { writeReports } from './lib/reports';
import { runLoadTest } from './lib/runner';
import { describeVerdict } from './lib/verdict';

const REPO_ROOT = path.resolve(__dirname, '../../..');

async function main(argv: string[]): Promise<number> {
  const program = new Command('loadtest')
    .description('Load test of the player API with the planned traffic mix; judges p95/p99/errors.')
    .requiredOption(
      '--url <url>',
      'base URL of the gateway or load balancer (loopback unless --allow-remote)',
    )
    .option(
      '--players <n>',
      'concurrent virtual players at the top of the ramp',
      DEFAULT_RAW.players,
    )
    .option(
      '--duration <d>',
      'whole run: ramp-up + sustain + ramp-down (e.g. 30s, 5m)',
      DEFAULT_RAW.duration,
    )
    .option('--ramp-up <d>', 'ramp-up phase (default 10 % of the run, at most 60s)')
    .option('--ramp-down <d>', 'ramp-down phase (default 10 % of the run, at most 60s)')
    .option('--think <min:max>', "a player's pause between messages", DEFAULT_RAW.think)
    .option('--messages <n>', 'messages per thread in one visit', DEFAULT_RAW.messages)
    .option(
      '--reply-timeout <d>',
      'a reply later than this is a timeout:reply error',
      DEFAULT_RAW.replyTimeout,
    )
    .option(
      '--request-timeout <d>',
      'an HTTP call unanswered this long is a timeout:request error',
      DEFAULT_RAW.requestTimeout,
    )
    .option(
      '--max-requests <n>',
      'hard cap on HTTP requests (default: players × seconds × 5 + 1000)',
    )
    .option(
      '--returning-wallets <n>',
      'size of the fixed set of returning players (default 2 × players)',
    )
    .option('--mix <weights>', 'visit mix, e.g. new=30,returning=50,multiAgent=15,leaderboard=5')
    .option('--seed <s>', 'seed of the plan and of the returning wallets', DEFAULT_RAW.seed)
    .option('--bucket <d>', 'report window (default: run / 60, 1s to 10s)')
    .option(
      '--health-interval <d>',
      'how often /health is sampled for pool load',
      DEFAULT_RAW.healthInterval,
    )
    .option('--p95 <ms>', 'p95 send→reply target', DEFAULT_RAW.p95)
    .option('--p99 <ms>', 'p99 send→reply target', DEFAULT_RAW.p99)
    .option('--max-error-rate <f>', 'error-rate target (fraction)', DEFAULT_RAW.maxErrorRate)
    .option('--out <dir>', 'reports folder', path.join(REPO_ROOT, 'reports/load-tests'))
    .option('--allow-remote', 'allow a non-loopback URL (you must own the target)', false)
    .option('--no-progress', 'no progress bar')
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const raw = program.opts<RawOptions & { out: string; progress: boolean }>();
  let config;
  try {
    config = buildConfig(raw);
  } catch (error) {
    process.stderr.write(`loadtest: ${(error as Error).message}\n`);
    return 2;
  }
  const problem = await preflight(config.url);
  if (problem) {
    process.stderr.write(`loadtest: ${problem}\n`);
    return 2;
  }
  const planned = config.phases.rampUpMs + config.phases.sustainMs + config.phases.rampDownMs;
  process.stdout.write(
    `loadtest: ${config.players} players against ${config.url} for ${formatDuration(planned)} ` +
      `(ramp-up ${formatDuration(config.phases.rampUpMs)}, ramp-down ${formatDuration(config.phases.rampDownMs)}), ` +
      `at most ${config.maxRequests} requests\n`,
  );
  const bar = raw.progress
    ? new SingleBar({
        format:
          '{bar} {percentage}% | {phase} | players {players} | req {requests} | replies {replies} | errors {errors} | p95 {p95} ms',
        noTTYOutput: true,
        notTTYSchedule: 5000,
        stream: process.stderr,
      })
    : undefined;
  bar?.start(Math.ceil(planned / 1000), 0, {
    phase: 'ramp-up',
    players: 0,
    requests: 0,
    replies: 0,
    errors: 0,
    p95: 0,
  });
  const summary = await runLoadTest(config, {
    onProgress: (p) =>
      bar?.update(Math.min(Math.ceil(planned / 1000), Math.floor(p.elapsedMs / 1000)), {
        phase: p.phase,
        players: p.activePlayers,
        requests: p.requests,
        replies: p.replies,
        errors: p.errors,
        p95: p.p95Ms,
      }),
  });
  bar?.stop();
  const dir = writeReports(summary, raw.out);
  const l = summary.latency;
  process.stdout.write(
    [
      `requests ${summary.totals.requests}, replies ${summary.totals.replies}, errors ${summary.totals.errors} ` +
        `(${(summary.errorRate * 100).toFixed(2)} %), ${summary.throughput.requestsPerS} req/s`,
      `send→reply p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms`,
      ...Object.entries(summary.errorsByKind).map(([k, n]) => `  ${k}: ${n}`),
      ...describeVerdict(summary.verdict),
      `verdict: ${summary.verdict.pass ? 'PASS' : 'FAIL'}`,
      `report: ${path.join(dir, 'report.html')}`,
      '',
    ].join('\n'),
  );
  return summary.verdict.pass ? 0 : 1;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `loadtest: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
