import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { GatewayError } from '../errors';
import fp from 'fastify-plugin';

/**
 * Where `nx run gateway:build-web` puts the pages (dist/apps/gateway-web, beside the bundled
 * server's dist/apps/gateway, which its build empties), found from the bundle, from source or
 * from the working directory.
 */
export function defaultWebDir(): string | undefined {
  const candidates = [
    resolve(__dirname, '../gateway-web'),
    resolve(__dirname, '../../../../dist/apps/gateway-web'),
    // Bundles started elsewhere (the local topology's) from the repository root.
    resolve(process.cwd(), 'dist/apps/gateway-web'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/**
 * Serves the player page at `/`, the operations page at `/ops` and their assets under
 * `/assets/`. Without built pages the two routes answer a clear 404 rather than a blank screen.
 */
export const webPlugin = fp(
  async (app: FastifyInstance, opts: { webDir?: string | undefined }) => {
    const root = opts.webDir ?? defaultWebDir();
    const config = { rateLimit: false } as const;
    if (root === undefined || !existsSync(join(root, 'index.html'))) {
      app.log.warn('web client not built (npx nx run gateway:build-web); / and /ops answer 404');
      const missing = async () => {
        throw new GatewayError('GW_ERR_NOT_FOUND', 'The web client is not built on this task.');
      };
      app.get('/', { config }, missing);
      app.get('/ops', { config }, missing);
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/assets/',
      // Only the assets folder is public; the pages have their own routes.
      serve: false,
      cacheControl: false,
    });
    const assets = join(root, 'assets');
    app.get<{ Params: { '*': string } }>('/assets/*', { config }, (request, reply) =>
      reply.header('cache-control', 'no-cache').sendFile(request.params['*'], assets),
    );
    // Everything the pages load comes from this origin; the policy makes that a rule.
    const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";
    const page = (file: string) => (_request: unknown, reply: FastifyReply) =>
      reply
        .header('content-security-policy', csp)
        .header('cache-control', 'no-cache')
        .sendFile(file);
    app.get('/', { config }, page('index.html'));
    app.get('/ops', { config }, page('ops.html'));
  },
  { name: 'web' },
);
