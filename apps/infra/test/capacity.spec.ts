// Locks in how a task's pools are sized: libs/pooling's admission model (the agents' concurrency
// against the LLM's latency) bounded by the gateway's and the task's CPU per reply, passed to the gateway as
// POOL_CAPACITY with the model's inputs and to every agent as the same AGENT_CONCURRENCY; and
// that the fleet table in apps/infra/README.md is the one these settings give.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monthlyCost } from '@pardon/pooling';
import {
  DEFAULT_CAPACITY,
  ENVIRONMENTS,
  EnvConfigSchema,
  fleetCapacityOf,
  poolSizingOf,
  type EnvConfig,
} from '../src/lib/config';
import { buildDesiredState } from '../src/lib/desired';

type Obj = Record<string, unknown>;
const prod = ENVIRONMENTS.prod;
const withCapacity = (capacity: Partial<EnvConfig['capacity']>): EnvConfig =>
  EnvConfigSchema.parse({ ...prod, capacity: { ...prod.capacity, ...capacity } });

function containerEnv(config: EnvConfig): Map<string, Record<string, string>> {
  const state = buildDesiredState(config, { imageTag: 'v1' });
  const td = state.resources.find((r) => r.key === 'task-definition');
  const containers = (td?.props['containerDefinitions'] ?? []) as Obj[];
  return new Map(
    containers.map((c) => [
      String(c['name']),
      Object.fromEntries((c['environment'] as Obj[]).map((e) => [e['name'], e['value']])),
    ]),
  );
}

describe('pool sizing', () => {
  it('holds 300 threads per pool by default: the gateway’s one core, below the task’s 378 and the model’s 2,504', () => {
    expect(DEFAULT_CAPACITY).toMatchObject({
      agentConcurrency: 64,
      llmLatency: 'fixed:1500',
      messageIntervalMs: 10_000,
      replyP95TargetMs: 3000,
      gatewayCpuMsPerReply: 6,
      taskCpuMsPerReply: 9.5,
      maxCpuPercent: 90,
    });
    expect(poolSizingOf(prod)).toEqual({
      threadsPerPool: 300,
      modelThreadsPerPool: 2504,
      gatewayCpuThreadsPerPool: 300,
      taskCpuThreadsPerPool: 378,
      limitedBy: 'gateway_cpu',
    });
    expect(fleetCapacityOf(prod)).toEqual({
      perPool: 300,
      perTask: 1500,
      fleetMin: 4500,
      fleetMax: 15000,
    });
  });

  it('follows the tighter bound: the model at 1 reply per agent, the task when the gateway is cheap', () => {
    expect(poolSizingOf(withCapacity({ agentConcurrency: 1 }))).toMatchObject({
      threadsPerPool: 9,
      limitedBy: 'model',
    });
    expect(poolSizingOf(withCapacity({ gatewayCpuMsPerReply: 2 }))).toMatchObject({
      threadsPerPool: 378,
      limitedBy: 'task_cpu',
    });
  });

  it('takes threadsPerPool over every bound when it is set', () => {
    expect(poolSizingOf(withCapacity({ threadsPerPool: 30 }))).toMatchObject({
      threadsPerPool: 30,
      limitedBy: 'threadsPerPool',
    });
  });

  it('gives the gateway POOL_CAPACITY with the model’s inputs, and every agent the same AGENT_CONCURRENCY', () => {
    const env = containerEnv(prod);
    expect(env.get('gateway')).toMatchObject({
      POOL_COUNT: '5',
      POOL_CAPACITY: '300',
      AGENT_CONCURRENCY: '64',
      LLM_LATENCY_MS: 'fixed:1500',
      PLAYER_MESSAGE_INTERVAL_MS: '10000',
      REPLY_P95_TARGET_MS: '3000',
      GATEWAY_CPU_MS_PER_REPLY: '6',
      GATEWAY_CPU_MAX_PERCENT: '90',
    });
    const agents = [...env].filter(([name]) => name.startsWith('agent-'));
    expect(agents).toHaveLength(6);
    for (const [, e] of agents) expect(e['AGENT_CONCURRENCY']).toBe('64');
    const narrow = containerEnv(withCapacity({ agentConcurrency: 1 }));
    expect(narrow.get('gateway')?.['POOL_CAPACITY']).toBe('9');
    expect(narrow.get('agent-cz')?.['AGENT_CONCURRENCY']).toBe('1');
  });

  it('names a latency the LLM alone cannot meet, a bad spec, and a CPU cap at or below the scale-out threshold', () => {
    const issues = (capacity: Obj) =>
      EnvConfigSchema.safeParse({
        ...prod,
        capacity: { ...prod.capacity, ...capacity },
      }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ llmLatency: 'exponential:1500' })).toEqual([
      expect.stringMatching(
        /^capacity\.llmLatency: the LLM alone misses replyP95TargetMs \(3000 ms\)/,
      ),
    ]);
    expect(issues({ llmLatency: 'exponential:1500', threadsPerPool: 30 })).toBeUndefined();
    expect(issues({ llmLatency: 'gamma:1' })).toEqual([
      expect.stringMatching(/^capacity\.llmLatency: invalid latency "gamma:1"/),
    ]);
    expect(issues({ maxCpuPercent: 70 })).toEqual([
      'capacity.maxCpuPercent: must be above scaling.scaleOutCpuPercent: tasks are added before pools fill',
    ]);
  });

  it('is the fleet table of apps/infra/README.md', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const rows = readme
      .split('\n')
      .filter((l) => /^\|\s+\d+\s+\|/.test(l))
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/[$,]/g, '')),
      );
    const { perTask } = fleetCapacityOf(prod);
    const model = fleetCapacityOf(
      withCapacity({ gatewayCpuMsPerReply: 0.001, taskCpuMsPerReply: 0.001 }),
    ).perTask;
    expect(rows).toEqual(
      [3, 4, 5, 6, 7, 8, 9, 10].map((tasks) => [
        String(tasks),
        String(tasks * perTask),
        String(tasks * model),
        String(tasks * 150),
        String(monthlyCost(tasks).usd),
      ]),
    );
  });
});
