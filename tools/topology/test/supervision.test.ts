// Locks in local supervision like ECS (issue 16, item 8): with `supervise`, a gateway killed by its
// PID is started again (with backoff) on its port and serves players again, its agents reconnect,
// a killed cron-worker comes back too, restarts are counted per task, and stopping the topology
// (what Ctrl-C does) stops everything with no restart after it.
import { Player } from '../src/lib/player';
import { eventually } from '../src/lib/processes';
import { startTopology, type Task, type Topology } from '../src/lib/topology';
import type { SupervisorEvent } from '../src/lib/supervisor';

let topology: Topology | undefined;
const events: SupervisorEvent[] = [];

afterAll(async () => {
  await topology?.stop();
}, 60_000);

test('a killed gateway and a killed cron-worker are restarted and the task serves again', async () => {
  topology = await startTopology({
    pools: 1,
    agentLatency: '20',
    logLevel: 'warn',
    supervise: { initialBackoffMs: 200, onEvent: (e) => events.push(e) },
  });
  const topo = topology;
  const task = topo.tasks[0] as Task;
  const before = task.gateway.pid;
  process.kill(before, 'SIGKILL');

  await eventually(
    'the gateway restarted and every pool ready again',
    async () => {
      if (task.gateway.pid === before || !task.gateway.alive()) return undefined;
      return (await topo.health(task)).pools.every((p) => p.ready) ? true : undefined;
    },
    60_000,
  );
  expect(topo.supervisor?.restarts(task.taskId)).toBe(1);
  expect(events.map((e) => `${e.kind} ${e.unit}`)).toEqual([
    `exited gateway ${task.taskId}`,
    `restarted gateway ${task.taskId}`,
  ]);

  // It serves again: a player signs in, talks, and the agent answers.
  const player = await new Player(topo.url).signIn();
  const threadId = await player.openThread('cz');
  await player.say(threadId, 'hello again');
  await eventually(
    'the agent to answer',
    async () =>
      (await player.messages(threadId)).some((m) => m.senderId === 'cz') ? true : undefined,
    30_000,
  );

  const cron = topo.cronWorkers[0];
  if (!cron) throw new Error('no cron-worker');
  process.kill(cron.pid, 'SIGKILL');
  await eventually(
    'the cron-worker restarted',
    () =>
      topo.cronWorkers[0]?.pid !== cron.pid && topo.cronWorkers[0]?.alive() ? true : undefined,
    30_000,
  );
  expect(topo.supervisor?.restarts()).toBe(2);

  // Ctrl-C: everything stops and nothing comes back.
  await topo.stop();
  expect(topo.group.list()).toEqual([]);
  expect(topo.supervisor?.restarts()).toBe(2);
}, 180_000);
