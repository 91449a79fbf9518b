/**
 * The agents of the Pardon Simulator game, by the ids they connect to a pool with. Every pool needs
 * all of them before it takes players; the agents app holds their personas, and the gateway, the
 * infrastructure, the local topology and the load test use these ids.
 */
export const GAME_AGENT_IDS = [
  'trump-donald',
  'trump-melania',
  'trump-eric',
  'trump-donjr',
  'trump-barron',
  'cz',
] as const;

export type GameAgentId = (typeof GAME_AGENT_IDS)[number];
