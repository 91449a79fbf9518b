export { ProcessGroup, eventually, waitUntil, answersHttp, REPO_ROOT } from './lib/processes';
export type {
  ExitInfo,
  LaunchSpec,
  ManagedProcess,
  OutputStream,
  WaitOptions,
} from './lib/processes';
export { prepareApps, appSource, APP_NAMES } from './lib/bundles';
export type { AppBundles, AppName } from './lib/bundles';
export {
  gatewayAgentSecretsEnv,
  generateSecrets,
  loadOrCreateSecrets,
  LocalSecretsSchema,
} from './lib/secrets';
export type { LocalSecrets } from './lib/secrets';
export { fetchHealth, poolStatusLine, HealthSchema, PoolStatusSchema } from './lib/health';
export type { Health, PoolStatus } from './lib/health';
export { startStickyProxy, STICKY_COOKIE, BALANCER_SOURCE_ADDRESS } from './lib/sticky-proxy';
export type { ProxyTarget, StickyProxy } from './lib/sticky-proxy';
export { Player, EventStream, ApiError, messageSeq, playerAddress } from './lib/player';
export type { ApiMessage, ApiResponse, PlayerOptions } from './lib/player';
export { startTopology, AGENT_IDS } from './lib/topology';
export { assertPortFree, PortInUseError } from './lib/ports';
export type { AgentId, Task, Topology, TopologyOptions } from './lib/topology';
// The replica's replay controls (`Topology.replica`), from @pardon/test-env.
export { pauseReplay, resumeReplay, waitForReplay, replicationLag } from '@pardon/test-env';
export type { PostgresReplica, ReplicationLag } from '@pardon/test-env';
export { Supervisor } from './lib/supervisor';
export type { SupervisedUnit, SupervisorEvent, SupervisorOptions } from './lib/supervisor';
export { RemoteProfiler, summariseProfile } from './lib/cpu-profile';
export type { CpuProfile, ProfileFrame, ProfileSummary } from './lib/cpu-profile';
