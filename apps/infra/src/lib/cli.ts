import { Command, CommanderError, Option } from 'commander';
import { createAwsClients, destroyAwsClients } from './aws';
import { ENV_NAMES, ENVIRONMENTS, type EnvConfig } from './config';
import { secretSpecs } from './desired';
import { applyPlan, computePlan, destroyEnv, loadState } from './engine';
import { InfraError, toErrorBody } from './errors';
import type { Ctx } from './handlers/types';
import { loadEnvConfig } from './load-config';
import { deploy, formatStatus, migrate, rollback, setSecret, status } from './operations';
import { formatPlan, type Plan } from './plan';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads the secret value; must not echo it. */
  readSecret: () => Promise<string>;
  progress: boolean;
}

interface GlobalOptions {
  env: string;
  json?: boolean;
  config?: string;
}

function rotationNote(config: EnvConfig): string | null {
  if (config.rotationLambdaArn) return null;
  const rotated = secretSpecs(config)
    .filter((s) => s.rotationDays !== null)
    .map((s) => s.id);
  return `rotation every ${config.secretRotationDays} days is off for ${rotated.join(', ')}: Secrets Manager needs a rotation Lambda (set rotationLambdaArn in the config)`;
}

function planJson(plan: Plan): unknown {
  return { env: plan.env, empty: plan.changes.length === 0, changes: plan.changes };
}

/** Runs one CLI invocation and resolves to its exit status. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let json = argv.includes('--json');
  const out = (human: string, data: unknown): void =>
    io.stdout(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);

  const withEnv = async <T>(
    opts: GlobalOptions,
    fn: (ctx: Ctx, config: EnvConfig) => Promise<T>,
  ): Promise<T> => {
    json = Boolean(opts.json);
    const config = loadEnvConfig(opts.env, opts.config ?? process.env['INFRA_CONFIG']);
    const aws = createAwsClients(config.region);
    const ctx: Ctx = {
      aws,
      config,
      tags: [
        { Key: 'pardon:env', Value: config.env },
        { Key: 'managed-by', Value: 'pardon-infra' },
      ],
      progress: (text) => {
        if (io.progress && !json) io.stderr(`${text}\n`);
      },
    };
    try {
      return await fn(ctx, config);
    } finally {
      destroyAwsClients(aws);
    }
  };

  const program = new Command('infra')
    .description('Plan, apply, deploy and roll back the Pardon AWS topology (DESIGN.md section 7).')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: () => undefined,
    })
    .showHelpAfterError(false);

  const common = (cmd: Command): Command =>
    cmd
      .addOption(
        new Option('--env <name>', `environment: ${ENV_NAMES.join(' | ')}`).makeOptionMandatory(),
      )
      .option('--json', 'machine-readable output on stdout')
      .option(
        '--config <file>',
        'JSON file of per-environment config overrides (default: $INFRA_CONFIG)',
      );

  common(program.command('plan').description('show what apply would change')).action(
    async (o: GlobalOptions) =>
      withEnv(o, async (ctx, config) => {
        const plan = computePlan(await loadState(ctx, config));
        const note = rotationNote(config);
        out(`${formatPlan(plan)}${note ? `\nnote: ${note}` : ''}`, {
          ...(planJson(plan) as object),
          note,
        });
      }),
  );

  common(
    program
      .command('apply')
      .description('create or update the environment to match the desired state'),
  ).action(async (o: GlobalOptions) =>
    withEnv(o, async (ctx, config) => {
      const state = await loadState(ctx, config);
      const plan = computePlan(state);
      if (!json) io.stderr(`${formatPlan(plan)}\n`);
      const applied = await applyPlan(ctx, state, plan, { progress: io.progress && !json });
      out(
        applied.length === 0
          ? `${config.env}: nothing to apply`
          : `${config.env}: applied ${applied.length} change(s)`,
        { env: config.env, applied, plan: planJson(plan) },
      );
    }),
  );

  common(
    program
      .command('deploy')
      .description(
        'register a task-definition revision with a new image tag and roll the service to it',
      ),
  )
    .requiredOption('--image-tag <tag>', 'image tag to run (all containers share the image)')
    .action(async (o: GlobalOptions & { imageTag: string }) =>
      withEnv(o, async (ctx, config) => {
        const r = await deploy(ctx, config, o.imageTag);
        out(
          `${r.env}: revision ${r.revision} (image ${r.imageTag}) deployed; was revision ${r.previousRevision}. Watch it with \`infra status --env ${r.env}\`.`,
          r,
        );
      }),
    );

  common(
    program
      .command('rollback')
      .description('return the service to the previous (or given) revision'),
  )
    .option('--to <revision>', 'revision number to return to')
    .action(async (o: GlobalOptions & { to?: string }) =>
      withEnv(o, async (ctx) => {
        const r = await rollback(ctx, o.to);
        out(`${r.env}: rolled back from revision ${r.fromRevision} to ${r.toRevision}`, r);
      }),
    );

  common(
    program.command('status').description('service counts, deployments, target health and alarms'),
  ).action(async (o: GlobalOptions) =>
    withEnv(o, async (ctx) => {
      const r = await status(ctx);
      out(formatStatus(r), r);
    }),
  );

  common(program.command('destroy').description('delete every resource of the environment'))
    .option('--yes', 'really delete (without it, only the plan is shown)')
    .action(async (o: GlobalOptions & { yes?: boolean }) =>
      withEnv(o, async (ctx, config) => {
        const state = await loadState(ctx, config);
        if (!o.yes) {
          const n = state.observed.size;
          throw new InfraError(
            'INFRA_ERR_CONFIRM',
            `destroy would delete ${n} resource(s) of ${config.env}; re-run with --yes to delete them`,
          );
        }
        const plan = await destroyEnv(ctx, state, { progress: io.progress && !json });
        out(`${config.env}: deleted ${plan.changes.length} resource(s)`, {
          env: config.env,
          deleted: plan.changes.map((c) => c.key),
        });
      }),
    );

  const secrets = program.command('secrets').description('operator-managed secrets');
  common(
    secrets
      .command('set')
      .description('store a secret value read from standard input (never echoed)'),
  )
    .argument(
      '<name>',
      `secret name: ${secretSpecs(ENVIRONMENTS.dev)
        .map((s) => s.id)
        .join(', ')}`,
    )
    .action(async (name: string, o: GlobalOptions) =>
      withEnv(o, async (ctx) => {
        const known = secretSpecs(ctx.config).map((s) => s.id);
        if (!known.includes(name))
          throw new InfraError(
            'INFRA_ERR_INPUT',
            `unknown secret "${name}"; known secrets: ${known.join(', ')}`,
          );
        const value = await io.readSecret();
        const r = await setSecret(ctx, name, value);
        out(`${r.env}: stored a new value of ${r.secret}`, r);
      }),
    );

  common(
    program
      .command('migrate')
      .description('run the database migrations as a one-off ECS task and report its exit'),
  )
    .option('--timeout <seconds>', 'how long to wait for the task to stop', '1200')
    .option(
      '--image-tag <tag>',
      'run the migrations of this release (registered, not yet deployed) instead of the running one',
    )
    .action(async (o: GlobalOptions & { timeout: string; imageTag?: string }) =>
      withEnv(o, async (ctx) => {
        const seconds = Number(o.timeout);
        if (!Number.isInteger(seconds) || seconds <= 0)
          throw new InfraError('INFRA_ERR_INPUT', `--timeout must be a positive number of seconds`);
        const r = await migrate(ctx, {
          timeoutMs: seconds * 1000,
          ...(o.imageTag !== undefined ? { imageTag: o.imageTag } : {}),
        });
        out(
          `${r.env}: migration task ${r.taskArn.split('/').pop()} (revision ${r.revision}) exited with ${r.exitCode}`,
          r,
        );
      }),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return 0;
      const message = err.message.replace(/^error: /, '');
      io.stderr(
        json ? `${JSON.stringify({ error: 'INFRA_ERR_USAGE', message })}\n` : `infra: ${message}\n`,
      );
      return 2;
    }
    const body = toErrorBody(err);
    const result = (err as { result?: unknown }).result;
    if (json)
      io.stderr(
        `${JSON.stringify({ error: body.error, message: body.message, ...(result ? { result } : {}) })}\n`,
      );
    else io.stderr(`infra: ${body.error}: ${body.message}\n`);
    return body.exitCode;
  }
}
