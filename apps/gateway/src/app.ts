import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from './config';
import type { Store } from './lib/store';
import { authPlugin } from './plugins/auth';
import { corePlugin } from './plugins/core';
import { errorsPlugin } from './plugins/errors';
import { limitsPlugin } from './plugins/limits';
import { metricsPlugin } from './plugins/metrics';
import { agentRoutes } from './routes/agents';
import { authRoutes } from './routes/auth';
import { leaderboardRoutes } from './routes/leaderboard';
import { opsRoutes } from './routes/ops';
import { opsApiRoutes } from './routes/ops-api';
import { playerRoutes } from './routes/player';
import { rosterRoutes } from './routes/roster';
import { webPlugin } from './plugins/web';

export interface AppOptions {
  config: GatewayConfig;
  /** Storage to use instead of opening one from the config (tests, benchmarks). */
  store?: Store;
  /** Cross-task LISTEN/NOTIFY (default on). */
  notify?: boolean;
}

/**
 * The gateway as a Fastify plugin: decorators first, then routes by area. It never listens;
 * server.ts does, and tests may register it on their own instance.
 */
export const buildApp = fp(
  async (app: FastifyInstance, opts: AppOptions) => {
    const { config } = opts;
    app.decorate('config', config);
    await app.register(errorsPlugin, { dbRetryAfterS: config.dbRetryAfterS });
    await app.register(metricsPlugin);
    await app.register(authPlugin, { tokenSecret: config.tokenSecret });
    await app.register(limitsPlugin, {
      ipPerMin: config.rateLimitIpPerMin,
      walletPerMin: config.rateLimitWalletPerMin,
    });
    await app.register(corePlugin, { config, store: opts.store, notify: opts.notify });

    await app.register(authRoutes);
    await app.register(playerRoutes);
    await app.register(leaderboardRoutes);
    await app.register(agentRoutes);
    await app.register(opsRoutes);
    await app.register(rosterRoutes);
    await app.register(opsApiRoutes);
    await app.register(webPlugin, { webDir: config.webDir });
  },
  { name: 'gateway' },
);
