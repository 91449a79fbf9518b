// Test fixtures for @pardon/coral: builders and an in-memory MCP client/server pair. Import from
// tests only (`@pardon/coral/testing`).
export {
  buildMessage,
  buildThreadHistory,
  createTestBus,
  connectCoralAgent,
  connectCoral12Agent,
} from './lib/testing/fixtures';
export type {
  ConnectedCoralAgent,
  ConnectedCoral12Agent,
  ConnectCoralAgentOptions,
} from './lib/testing/fixtures';
