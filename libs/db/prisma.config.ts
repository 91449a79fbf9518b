// Prisma CLI configuration: the offline WASM schema engine (`engine: "js"`) driven through
// @prisma/adapter-pg, because this project's machines cannot download the native schema engine.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import { cliPool } from './src/lib/cli-pool';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'prisma', 'migrations') },
  async adapter() {
    return new PrismaPg(cliPool(process.env['DATABASE_URL']));
  },
});
