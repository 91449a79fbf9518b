import {
  type DesiredState,
  type Ids,
  type Json,
  type Props,
  type Resource,
  refsOf,
  resolve,
  UnresolvedRefError,
} from './model';

/** What the reader found for one resource: its physical attributes and the settings it returned. */
export interface Observed {
  attrs: Record<string, string>;
  /** Settings as the backend reports them. A field it never returns is absent: unknown, not drift. */
  props: Props;
}

export interface FieldChange {
  field: string;
  from: Json | undefined;
  to: Json;
}

export type Action = 'create' | 'update' | 'replace' | 'delete';

export interface Change {
  key: string;
  type: Resource['type'];
  name: string;
  action: Action;
  fields: FieldChange[];
}

export interface Plan {
  env: string;
  changes: Change[];
}

/** Per type: fields set at creation and deliberately not reconciled, and fields that force replacement. */
export interface FieldRules {
  /** Set at creation, then owned by someone else (e.g. the desired count, owned by auto scaling). */
  createOnly?: readonly string[];
  /** A change needs the resource replaced; apply refuses rather than destroy data. */
  immutable?: readonly string[];
  /** Dotted paths of arrays whose order carries no meaning. */
  unordered?: readonly string[];
  /** An update gives the resource a new identity (a task definition gets a new revision ARN). */
  newIdOnUpdate?: boolean;
}

function canonical(v: Json | undefined): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(
          Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : val,
  );
}

/**
 * Fields of `desired` that differ from `observed`. A field the backend did not report is unknown
 * and skipped, at any depth (inside objects and inside same-length arrays of objects): emulators
 * (and some AWS APIs) drop settings they do not model, and treating that as drift would make every
 * plan non-empty. Fields listed in `unordered` (dotted paths, no indexes) compare as sets.
 */
export function diffProps(
  desired: Props,
  observed: Props,
  unordered: readonly string[] = [],
  prefix = '',
): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (want: Json, have: Json | undefined, path: string, schemaPath: string): void => {
    if (have === undefined) return;
    if (isObject(want) && isObject(have)) {
      for (const [k, v] of Object.entries(want))
        walk(v, have[k], `${path}.${k}`, `${schemaPath}.${k}`);
      return;
    }
    if (Array.isArray(want) && Array.isArray(have)) {
      if (unordered.includes(schemaPath.slice(1))) {
        const a = want.map(canonical).sort();
        const b = have.map(canonical).sort();
        if (canonical(a) !== canonical(b)) out.push({ field: path.slice(1), from: have, to: want });
        return;
      }
      if (want.length === have.length && want.some((w) => isObject(w) || Array.isArray(w))) {
        want.forEach((w, i) => walk(w, have[i], `${path}[${i}]`, schemaPath));
        return;
      }
    }
    if (canonical(want) !== canonical(have))
      out.push({ field: path.slice(1), from: have, to: want });
  };
  for (const [field, want] of Object.entries(desired))
    walk(want, observed[field], `${prefix}.${field}`, `.${field}`);
  return out;
}

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Plans the changes that turn what exists (`observed`, by key) into `desired`, in the desired
 * state's dependency order. A resource that references one being created, replaced or given a
 * new identity (`newIdOnUpdate`, e.g. a task-definition revision) is updated to follow it.
 */
export function planChanges(
  desired: DesiredState,
  observed: Map<string, Observed>,
  rules: Partial<Record<Resource['type'], FieldRules>> = {},
): Plan {
  const ids: Ids = new Map([...observed].map(([k, o]) => [k, o.attrs]));
  const changes: Change[] = [];
  const changing = new Set<string>();
  for (const r of desired.resources) {
    const have = observed.get(r.key);
    const rule = rules[r.type] ?? {};
    if (!have) {
      changes.push({ key: r.key, type: r.type, name: r.name, action: 'create', fields: [] });
      changing.add(r.key);
      continue;
    }
    const fields: FieldChange[] = [];
    const stable: Props = {};
    for (const [field, value] of Object.entries(r.props)) {
      if (rule.createOnly?.includes(field)) continue;
      const follows = refsOf(value).filter((k) => changing.has(k));
      if (follows.length > 0)
        fields.push({ field, from: have.props[field], to: `(new ${follows.join(', ')})` });
      else stable[field] = value;
    }
    let want: Props;
    try {
      want = resolve(stable, ids) as Props;
    } catch (err) {
      if (!(err instanceof UnresolvedRefError)) throw err;
      changes.push({ key: r.key, type: r.type, name: r.name, action: 'replace', fields: [] });
      changing.add(r.key);
      continue;
    }
    fields.push(...diffProps(want, have.props, rule.unordered ?? []));
    if (fields.length === 0) continue;
    const immutable = new Set(rule.immutable ?? []);
    const replace = fields.some((f) => immutable.has(f.field.split(/[.[]/)[0] ?? f.field));
    changes.push({
      key: r.key,
      type: r.type,
      name: r.name,
      action: replace ? 'replace' : 'update',
      fields,
    });
    if (replace || rule.newIdOnUpdate) changing.add(r.key);
  }
  return { env: desired.env, changes };
}

/** Deletes everything observed, dependents first. */
export function planDestroy(desired: DesiredState, observed: Map<string, Observed>): Plan {
  const changes: Change[] = [];
  for (const r of [...desired.resources].reverse()) {
    if (observed.has(r.key))
      changes.push({ key: r.key, type: r.type, name: r.name, action: 'delete', fields: [] });
  }
  return { env: desired.env, changes };
}

const SYMBOL: Record<Action, string> = { create: '+', update: '~', replace: '-/+', delete: '-' };

function show(v: Json | undefined): string {
  return v === undefined ? '(unknown)' : JSON.stringify(v);
}

/** Human-readable plan, one line per change and one per changed field. */
export function formatPlan(plan: Plan): string {
  if (plan.changes.length === 0)
    return `${plan.env}: no changes; the environment matches the desired state.`;
  const lines = [`${plan.env}: ${plan.changes.length} change(s)`];
  for (const c of plan.changes) {
    lines.push(`  ${SYMBOL[c.action].padEnd(3)} ${c.type} ${c.name} (${c.key})`);
    for (const f of c.fields) lines.push(`        ${f.field}: ${show(f.from)} → ${show(f.to)}`);
  }
  const counts = (['create', 'update', 'replace', 'delete'] as const)
    .map((a) => `${plan.changes.filter((c) => c.action === a).length} to ${a}`)
    .join(', ');
  lines.push(`  ${counts}`);
  return lines.join('\n');
}
