import { Listr, ListrLogger, ProcessOutput, type ListrTask } from 'listr2';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { EnvConfig } from './config';
import { buildDesiredState, GATEWAY_CONTAINER, imageTagOf } from './desired';
import { InfraError } from './errors';
import { FIELD_RULES, HANDLERS } from './handlers';
import { currentTaskDefinitionArn } from './handlers/compute';
import type { Ctx } from './handlers/types';
import { type DesiredState, type Ids, type Props, type Resource, resolve } from './model';
import { diffProps, type Observed, type Plan, planChanges, planDestroy } from './plan';

export interface EnvState {
  desired: DesiredState;
  observed: Map<string, Observed>;
  /** Image tag the service runs (undefined before the first apply). */
  deployedImageTag: string | undefined;
}

/** The image tag of the task definition the service runs, if any. */
export async function deployedImageTag(ctx: Ctx): Promise<string | undefined> {
  const arn = await currentTaskDefinitionArn(ctx);
  if (!arn) return undefined;
  const td = await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  const image = td.taskDefinition?.containerDefinitions?.find(
    (c) => c.name === GATEWAY_CONTAINER,
  )?.image;
  return image ? imageTagOf(image) : undefined;
}

/** Reads every resource of the desired state, in dependency order (later reads use earlier ids). */
export async function readObserved(
  ctx: Ctx,
  desired: DesiredState,
): Promise<Map<string, Observed>> {
  const observed = new Map<string, Observed>();
  const ids: Ids = new Map();
  for (const r of desired.resources) {
    const o = await HANDLERS[r.type].read(ctx, r, ids);
    if (o) {
      observed.set(r.key, o);
      ids.set(r.key, o.attrs);
    }
  }
  return observed;
}

/**
 * Desired and observed state of an environment. The image tag is the deployed one, so `apply`
 * never reverts a `deploy`; the config's initial tag is used only before the first apply.
 */
export async function loadState(ctx: Ctx, config: EnvConfig, imageTag?: string): Promise<EnvState> {
  const deployed = await deployedImageTag(ctx);
  const desired = buildDesiredState(config, {
    imageTag: imageTag ?? deployed ?? config.initialImageTag,
  });
  const observed = await readObserved(ctx, desired);
  return { desired, observed, deployedImageTag: deployed };
}

export function computePlan(state: EnvState): Plan {
  return planChanges(state.desired, state.observed, FIELD_RULES);
}

export interface RunOptions {
  /** Show the task list on stderr (off for --json and tests that parse output). */
  progress: boolean;
}

function runner<T>(tasks: ListrTask<T>[], options: RunOptions): Listr<T> {
  // Progress goes to stderr so that stdout carries only the result (and --json stays parseable).
  const processOutput = new ProcessOutput(process.stderr, process.stderr);
  return new Listr<T>(tasks, {
    concurrent: false,
    exitOnError: true,
    renderer: options.progress ? 'default' : 'silent',
    rendererOptions: { processOutput },
    fallbackRenderer: options.progress ? 'simple' : 'silent',
    fallbackRendererOptions: { logger: new ListrLogger({ processOutput, useIcons: true }) },
    fallbackRendererCondition: () => !process.stderr.isTTY,
  } as never);
}

/**
 * Applies a plan in dependency order. Each step re-diffs its resource against the ids known at
 * that moment (a new task-definition revision, a just-created subnet), and every step is
 * idempotent by name, so an interrupted apply is finished by running it again.
 */
export async function applyPlan(
  ctx: Ctx,
  state: EnvState,
  plan: Plan,
  options: RunOptions,
): Promise<string[]> {
  const replace = plan.changes.filter((c) => c.action === 'replace');
  if (replace.length > 0) {
    throw new InfraError(
      'INFRA_ERR_REPLACE_REQUIRED',
      `these changes need a resource replaced, which apply never does on its own: ${replace
        .map(
          (c) => `${c.key} (${c.fields.map((f) => f.field).join(', ') || 'dependency replaced'})`,
        )
        .join('; ')}. Destroy and re-create them deliberately, or revert the config.`,
    );
  }
  const ids: Ids = new Map([...state.observed].map(([k, o]) => [k, o.attrs]));
  const byKey = new Map(state.desired.resources.map((r) => [r.key, r]));
  const done: string[] = [];
  const tasks: ListrTask<unknown>[] = plan.changes.map((c) => ({
    title: `${c.action} ${c.type} ${c.name}`,
    task: async (_ctx, task) => {
      const r = byKey.get(c.key) as Resource;
      const stepCtx: Ctx = { ...ctx, progress: (text) => (task.output = text) };
      await applyOne(stepCtx, r, state.observed.get(r.key), ids);
      done.push(c.key);
    },
  }));
  await runner(tasks, options).run();
  return done;
}

async function applyOne(
  ctx: Ctx,
  r: Resource,
  have: Observed | undefined,
  ids: Ids,
): Promise<void> {
  const h = HANDLERS[r.type];
  if (!have) {
    const attrs = await h.create(ctx, r, resolve(r.props, ids) as Props, ids);
    ids.set(r.key, attrs);
    return;
  }
  const want = resolve(r.props, ids) as Props;
  const compared: Props = { ...want };
  for (const f of h.rules?.createOnly ?? []) delete compared[f];
  const fields = diffProps(compared, have.props, h.rules?.unordered ?? []);
  if (fields.length === 0) return;
  const attrs = await h.update(ctx, r, want, have, fields, ids);
  if (attrs) ids.set(r.key, { ...have.attrs, ...attrs });
}

/** Deletes every resource of the environment that exists, dependents first. */
export async function destroyEnv(ctx: Ctx, state: EnvState, options: RunOptions): Promise<Plan> {
  const plan = planDestroy(state.desired, state.observed);
  const byKey = new Map(state.desired.resources.map((r) => [r.key, r]));
  const tasks: ListrTask<unknown>[] = plan.changes.map((c) => ({
    title: `delete ${c.type} ${c.name}`,
    task: async (_ctx, task) => {
      const r = byKey.get(c.key) as Resource;
      await HANDLERS[r.type].delete(
        { ...ctx, progress: (t) => (task.output = t) },
        r,
        state.observed.get(r.key) as Observed,
      );
    },
  }));
  await runner(tasks, options).run();
  return plan;
}
