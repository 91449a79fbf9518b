// Public API of @pardon/coral: the Coral protocol model, the seven tools' schemas, the in-memory
// pool bus, and the MCP glue for the pool server (gateway) and the agents' client.
export {
  ParticipantIdSchema,
  CoralMessageSchema,
  CoralThreadSchema,
  AgentStateSchema,
  CoralAgentInfoSchema,
  ReadPositionSchema,
  SessionListResponseSchema,
  SessionAgentsResponseSchema,
} from './lib/model';
export type {
  ParticipantId,
  CoralMessage,
  CoralThread,
  AgentState,
  CoralAgentInfo,
  ReadPosition,
  SessionListResponse,
  SessionAgentsResponse,
} from './lib/model';

export {
  MAX_WAIT_FOR_MENTIONS_TIMEOUT_MS,
  DEFAULT_WAIT_FOR_MENTIONS_TIMEOUT_MS,
  MAX_MESSAGE_CONTENT_CHARS,
  MAX_THREAD_NAME_CHARS,
  MAX_SUMMARY_CHARS,
  MAX_PARTICIPANTS_PER_CALL,
  ListAgentsArgsSchema,
  CreateThreadArgsSchema,
  AddParticipantArgsSchema,
  RemoveParticipantArgsSchema,
  CloseThreadArgsSchema,
  SendMessageArgsSchema,
  WaitForMentionsArgsSchema,
  ErrorResultSchema,
  ToolInputErrorResultSchema,
  ListAgentsResultSchema,
  CreateThreadResultSchema,
  AddParticipantResultSchema,
  RemoveParticipantResultSchema,
  CloseThreadResultSchema,
  SendMessageResultSchema,
  WaitForMentionsResultSchema,
  CORAL_TOOLS,
  CORAL_TOOL_NAMES,
} from './lib/tools';
export type {
  ListAgentsArgs,
  CreateThreadArgs,
  AddParticipantArgs,
  RemoveParticipantArgs,
  CloseThreadArgs,
  SendMessageArgs,
  WaitForMentionsArgs,
  ErrorResult,
  ToolInputErrorResult,
  ListAgentsResult,
  CreateThreadResult,
  AddParticipantResult,
  RemoveParticipantResult,
  CloseThreadResult,
  SendMessageResult,
  WaitForMentionsResult,
  CoralToolName,
  CoralToolArgs,
  CoralToolResult,
} from './lib/tools';

export { CORAL_ERROR_CODES, CoralError, isCoralError } from './lib/errors';
export type { CoralErrorCode } from './lib/errors';

export { PoolBus, DEFAULT_PRESENCE_GRACE_MS, SYSTEM_SENDER } from './lib/pool-bus';
export type { AgentConnection } from './lib/agent-presence';
export type { MessageFilter, WaitRequest } from './lib/read-cursors';
export type {
  MessageDraft,
  PersistedMessageRef,
  BeforeSendHook,
  CoralThreadHeader,
  PoolBusEvent,
  PoolBusListener,
  WaitOutcome,
  PoolBusOptions,
  ThreadTimes,
  CreateThreadInput,
  MaterializeThreadInput,
  SendMessageInput,
  SendMessageOptions,
  PoolBusStats,
} from './lib/pool-bus';

export { createCoralToolHandlers } from './lib/tool-handlers';
export type {
  CoralToolParsedArgs,
  CoralToolHandler,
  CoralToolHandlers,
  CoralToolHandlerOptions,
} from './lib/tool-handlers';

export {
  CORAL_SERVER_INFO,
  registerCoralTools,
  registerCoral12Tools,
  toCallToolResult,
} from './lib/mcp-server';

export {
  CORAL_1_2_TOOLS,
  CORAL_1_2_TOOL_NAMES,
  MAX_WAIT_MS_1_2,
  WAIT_STATUS_RECEIVED,
  WAIT_STATUS_TIMEOUT,
  Coral12MessageSchema,
  Coral12ThreadSchema,
  Coral12WaitResultSchema,
} from './lib/coral-1.2/tools';
export type {
  Coral12ToolName,
  Coral12ToolArgs,
  Coral12Message,
  Coral12Thread,
  Coral12WaitResult,
} from './lib/coral-1.2/tools';
export { createCoral12Handlers, toCoral12Message } from './lib/coral-1.2/handlers';
export type { Coral12HandlerOptions } from './lib/coral-1.2/handlers';
export { Coral12ToolClient, Coral12ToolError } from './lib/coral-1.2/client';
export type { Coral12CallOptions } from './lib/coral-1.2/client';
export {
  CoralToolClient,
  CoralProtocolError,
  WAIT_REQUEST_MARGIN_MS,
  withCallSignal,
} from './lib/mcp-client';
export type { CoralCallOptions } from './lib/mcp-client';

export {
  CORAL_SSE_ROUTE,
  CORAL_MESSAGE_ROUTE,
  buildCoralSseUrl,
  buildCoralMessagePath,
  CORAL_1_2_SSE_ROUTE,
  CORAL_1_2_STREAMABLE_ROUTE,
  buildCoral12Url,
} from './lib/urls';
export type { CoralSseAddress } from './lib/urls';

export {
  GAME_AGENT_IDS,
  AGENT_ID_PATTERN,
  MIN_AGENT_SECRET_CHARS,
  agentSecretEnvName,
  coralAgentPathSecret,
} from './lib/roster';
export type { GameAgentId } from './lib/roster';
