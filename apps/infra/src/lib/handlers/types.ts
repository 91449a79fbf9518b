import type { AwsClients } from '../aws';
import type { EnvConfig } from '../config';
import type { Ids, Props, Resource } from '../model';
import type { FieldChange, FieldRules, Observed } from '../plan';

export interface Ctx {
  aws: AwsClients;
  config: EnvConfig;
  /** Tags every resource carries (Name is added per resource). */
  tags: { Key: string; Value: string }[];
  /** Progress text for long waits (shown by the task list). */
  progress: (text: string) => void;
}

export type Attrs = Record<string, string>;

/** Reads, creates, updates and deletes one resource type. `props` passed in are resolved. */
export interface Handler {
  rules?: FieldRules;
  read(ctx: Ctx, r: Resource, ids: Ids): Promise<Observed | undefined>;
  create(ctx: Ctx, r: Resource, props: Props, ids: Ids): Promise<Attrs>;
  update(
    ctx: Ctx,
    r: Resource,
    props: Props,
    have: Observed,
    fields: FieldChange[],
    ids: Ids,
  ): Promise<Attrs | void>;
  delete(ctx: Ctx, r: Resource, have: Observed): Promise<void>;
}

export function tagList(ctx: Ctx, name: string): { Key: string; Value: string }[] {
  return [{ Key: 'Name', Value: name }, ...ctx.tags];
}

export function changed(fields: FieldChange[], ...names: string[]): boolean {
  return fields.some((f) =>
    names.some((n) => f.field === n || f.field.startsWith(`${n}.`) || f.field.startsWith(`${n}[`)),
  );
}
