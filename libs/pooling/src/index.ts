// Public API of @pardon/pooling: pool assignment and capacity maths, pure and synchronous.
export { DEFAULT_VIRTUAL_NODES, createHashRing, poolIds } from './lib/ring';
export type { HashRing, HashRingOptions } from './lib/ring';
export { assignPool } from './lib/assign';
export type { AssignOptions, Assignment } from './lib/assign';
export { DEFAULT_POOLING_SETTINGS } from './lib/settings';
export type { PoolingSettings } from './lib/settings';
export { cpuThreadsPerPool, fleetCapacity, monthlyCost, tasksForPlayers } from './lib/capacity';
export type { CpuBudget, FleetCapacity, MonthlyCost, TasksNeeded } from './lib/capacity';
export {
  DEFAULT_ADMISSION_MODEL,
  erlangC,
  estimateReplyTime,
  maxThreadsPerPool,
} from './lib/erlang';
export type { AdmissionModel, ReplyTimeEstimate } from './lib/erlang';
export { formatLatencyDistribution, parseLatencyDistribution, serviceTime } from './lib/latency';
export type { LatencyDistribution, ServiceTime } from './lib/latency';
