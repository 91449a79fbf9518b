import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ENV_NAMES, ENVIRONMENTS, type EnvConfig, EnvConfigSchema, EnvNameSchema } from './config';
import { InfraError } from './errors';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isPlain(v) && isPlain(base[k]) ? merge(base[k], v) : v;
  return out;
}

function issues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * The environment's config: the built-in one (config.ts) with the overrides of an optional JSON
 * file deep-merged on top. The file maps environment names to partial configs, e.g.
 * `{"prod": {"certificateArn": "arn:aws:acm:…", "alarmEmail": "ops@example.com"}}`.
 */
export function loadEnvConfig(env: string, overridesFile?: string): EnvConfig {
  const name = EnvNameSchema.safeParse(env);
  if (!name.success) {
    throw new InfraError(
      'INFRA_ERR_CONFIG',
      `unknown environment "${env}": expected one of ${ENV_NAMES.join(', ')}`,
    );
  }
  let overrides: Plain = {};
  if (overridesFile) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(overridesFile, 'utf8'));
    } catch (err) {
      throw new InfraError(
        'INFRA_ERR_CONFIG',
        `cannot read config file ${overridesFile}: ${(err as Error).message}`,
      );
    }
    if (!isPlain(parsed))
      throw new InfraError(
        'INFRA_ERR_CONFIG',
        `${overridesFile}: expected an object keyed by environment`,
      );
    const unknownEnvs = Object.keys(parsed).filter(
      (k) => !(ENV_NAMES as readonly string[]).includes(k),
    );
    if (unknownEnvs.length) {
      throw new InfraError(
        'INFRA_ERR_CONFIG',
        `${overridesFile}: unknown environment key(s) ${unknownEnvs.join(', ')}`,
      );
    }
    const forEnv = parsed[name.data];
    if (forEnv !== undefined && !isPlain(forEnv))
      throw new InfraError(
        'INFRA_ERR_CONFIG',
        `${overridesFile}: "${name.data}" must be an object`,
      );
    overrides = forEnv ?? {};
  }
  const merged = merge(ENVIRONMENTS[name.data] as unknown as Plain, {
    ...overrides,
    env: name.data,
  });
  const result = EnvConfigSchema.safeParse(merged);
  if (!result.success)
    throw new InfraError(
      'INFRA_ERR_CONFIG',
      `invalid config for ${name.data}: ${issues(result.error)}`,
    );
  return result.data;
}
