/**
 * The resource model shared by the desired-state builder, the planner and the applier.
 * Desired settings are plain JSON; a reference to another resource's physical identity is a
 * `Ref`, resolved once that resource exists.
 */
export type ResourceType =
  | 'vpc'
  | 'subnet'
  | 'internet-gateway'
  | 'elastic-ip'
  | 'nat-gateway'
  | 'route-table'
  | 'security-group'
  | 'log-group'
  | 'sns-topic'
  | 'iam-role'
  | 'secret'
  | 'db-subnet-group'
  | 'db-instance'
  | 'target-group'
  | 'load-balancer'
  | 'listener'
  | 'ecs-cluster'
  | 'task-definition'
  | 'ecs-service'
  | 'scalable-target'
  | 'scaling-policy'
  | 'alarm'
  | 'dashboard';

/** Points at another resource's attribute (default `id`: VPC id, ARN, name… per type). */
export interface Ref {
  $ref: string;
  attr?: string;
}

export type Json = string | number | boolean | null | Ref | Json[] | { [k: string]: Json };
export type Props = { [k: string]: Json };

export interface Resource {
  /** Logical key, unique in one environment, e.g. `subnet/private-a`. */
  key: string;
  type: ResourceType;
  /** Physical name (resource name or Name tag). */
  name: string;
  props: Props;
  /** Keys this resource needs to exist first (refs are added automatically). */
  dependsOn: string[];
}

export interface DesiredState {
  env: string;
  /** In dependency order: every resource comes after everything it references. */
  resources: Resource[];
}

/** Physical attributes of existing resources, by logical key. */
export type Ids = Map<string, Record<string, string>>;

export function isRef(v: unknown): v is Ref {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Ref).$ref === 'string'
  );
}

export function ref(key: string, attr?: string): Ref {
  return attr ? { $ref: key, attr } : { $ref: key };
}

/** Every key referenced anywhere inside a value. */
export function refsOf(value: Json): string[] {
  if (isRef(value)) return [value.$ref];
  if (Array.isArray(value)) return value.flatMap(refsOf);
  if (value && typeof value === 'object')
    return Object.values(value).flatMap((v) => refsOf(v as Json));
  return [];
}

export class UnresolvedRefError extends Error {
  constructor(readonly refKey: string) {
    super(`reference to ${refKey}, which does not exist yet`);
  }
}

/** Replaces refs with physical values; throws UnresolvedRefError when a target is missing. */
export function resolve(value: Json, ids: Ids): Json {
  if (isRef(value)) {
    const attrs = ids.get(value.$ref);
    const v = attrs?.[value.attr ?? 'id'];
    if (v === undefined) throw new UnresolvedRefError(value.$ref);
    return v;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, ids));
  if (value && typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolve(v as Json, ids);
    return out;
  }
  return value;
}

/** Sorts resources so that each comes after its dependencies (stable for independent ones). */
export function topoSort(resources: Resource[]): Resource[] {
  const byKey = new Map(resources.map((r) => [r.key, r]));
  const out: Resource[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (r: Resource, path: string[]): void => {
    const s = state.get(r.key);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`dependency cycle: ${[...path, r.key].join(' → ')}`);
    state.set(r.key, 'visiting');
    for (const dep of new Set([...r.dependsOn, ...refsOf(r.props)])) {
      const d = byKey.get(dep);
      if (!d) throw new Error(`${r.key} depends on unknown resource ${dep}`);
      visit(d, [...path, r.key]);
    }
    state.set(r.key, 'done');
    out.push(r);
  };
  for (const r of resources) visit(r, []);
  return out;
}
