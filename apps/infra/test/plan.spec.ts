// Locks in the planner's rules: empty plan when nothing differs, unknown fields are not drift,
// immutable fields force a (refused) replacement, and dependents follow a new identity.
import type { DesiredState, Resource } from '../src/lib/model';
import { reportedEngineVersion } from '../src/lib/handlers/data';
import { ref, resolve, topoSort } from '../src/lib/model';
import { diffProps, formatPlan, type Observed, planChanges, planDestroy } from '../src/lib/plan';

const vpc: Resource = {
  key: 'vpc',
  type: 'vpc',
  name: 'v',
  dependsOn: [],
  props: { cidrBlock: '10.0.0.0/16', enableDnsHostnames: true },
};
const sg: Resource = {
  key: 'sg',
  type: 'security-group',
  name: 'g',
  dependsOn: [],
  props: { vpcId: ref('vpc'), ingress: [{ port: 80 }, { port: 443 }] },
};
const td: Resource = {
  key: 'td',
  type: 'task-definition',
  name: 't',
  dependsOn: [],
  props: { containers: [{ name: 'a', image: 'x:1', cpu: 1 }] },
};
const svc: Resource = {
  key: 'svc',
  type: 'ecs-service',
  name: 's',
  dependsOn: [],
  props: { taskDefinition: ref('td', 'arn'), desiredCount: 3, securityGroups: [ref('sg')] },
};
const desired: DesiredState = { env: 'dev', resources: [vpc, sg, td, svc] };

function observedAll(): Map<string, Observed> {
  return new Map<string, Observed>([
    [
      'vpc',
      { attrs: { id: 'vpc-1' }, props: { cidrBlock: '10.0.0.0/16', enableDnsHostnames: true } },
    ],
    [
      'sg',
      { attrs: { id: 'sg-1' }, props: { vpcId: 'vpc-1', ingress: [{ port: 443 }, { port: 80 }] } },
    ],
    [
      'td',
      {
        attrs: { id: 'td:1', arn: 'td:1' },
        props: { containers: [{ name: 'a', image: 'x:1', cpu: 1, hostPort: 9 }] },
      },
    ],
    [
      'svc',
      {
        attrs: { id: 'svc' },
        props: { taskDefinition: 'td:1', desiredCount: 7, securityGroups: ['sg-1'] },
      },
    ],
  ]);
}

const rules = {
  'security-group': { unordered: ['ingress'] },
  'ecs-service': { createOnly: ['desiredCount'] },
  'task-definition': { newIdOnUpdate: true },
  vpc: { immutable: ['cidrBlock'] },
} as const;

describe('planChanges', () => {
  it('plans every resource for creation in a new environment', () => {
    const plan = planChanges(desired, new Map(), rules);
    expect(plan.changes.map((c) => [c.key, c.action])).toEqual([
      ['vpc', 'create'],
      ['sg', 'create'],
      ['td', 'create'],
      ['svc', 'create'],
    ]);
  });

  it('is empty when the environment matches, ignoring set order, backend defaults and create-only fields', () => {
    const plan = planChanges(desired, observedAll(), rules);
    expect(plan.changes).toEqual([]);
    expect(formatPlan(plan)).toBe('dev: no changes; the environment matches the desired state.');
  });

  it('treats a field the backend never returns as unknown, not drift', () => {
    const observed = observedAll();
    observed.set('vpc', { attrs: { id: 'vpc-1' }, props: { cidrBlock: '10.0.0.0/16' } });
    const td1 = observed.get('td') as Observed;
    td1.props = { containers: [{ name: 'a', image: 'x:1' }] };
    expect(planChanges(desired, observed, rules).changes).toEqual([]);
  });

  it('reports a changed field inside an array of objects with its path', () => {
    const observed = observedAll();
    (observed.get('td') as Observed).props = { containers: [{ name: 'a', image: 'x:0', cpu: 1 }] };
    const plan = planChanges(desired, observed, rules);
    expect(plan.changes[0]).toMatchObject({
      key: 'td',
      action: 'update',
      fields: [{ field: 'containers[0].image', from: 'x:0', to: 'x:1' }],
    });
    // the service follows the new task-definition revision
    expect(plan.changes[1]).toMatchObject({
      key: 'svc',
      action: 'update',
      fields: [{ field: 'taskDefinition', to: '(new td)' }],
    });
    expect(formatPlan(plan)).toContain('containers[0].image: "x:0" → "x:1"');
  });

  it('marks a change to an immutable field as a replacement', () => {
    const observed = observedAll();
    (observed.get('vpc') as Observed).props['cidrBlock'] = '10.9.0.0/16';
    const plan = planChanges(desired, observed, rules);
    expect(plan.changes[0]).toMatchObject({ key: 'vpc', action: 'replace' });
  });

  it('detects a missing security-group rule', () => {
    const observed = observedAll();
    (observed.get('sg') as Observed).props['ingress'] = [{ port: 80 }, { port: 22 }];
    const plan = planChanges(desired, observed, rules);
    expect(plan.changes.map((c) => [c.key, c.action])).toEqual([['sg', 'update']]);
  });
});

describe('planDestroy', () => {
  it('deletes what exists, dependents first', () => {
    const observed = observedAll();
    observed.delete('sg');
    expect(planDestroy(desired, observed).changes.map((c) => c.key)).toEqual(['svc', 'td', 'vpc']);
  });
});

describe('diffProps', () => {
  it('compares nested objects field by field', () => {
    expect(diffProps({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3, d: 4 } })).toEqual([
      { field: 'a.c', from: 3, to: 2 },
    ]);
  });

  it('compares arrays of different length as a whole', () => {
    expect(diffProps({ a: [{ x: 1 }] }, { a: [{ x: 1 }, { x: 2 }] })).toEqual([
      { field: 'a', from: [{ x: 1 }, { x: 2 }], to: [{ x: 1 }] },
    ]);
  });
});

describe('model', () => {
  it('resolves references to physical attributes and refuses unknown ones', () => {
    const ids = new Map([['vpc', { id: 'vpc-1' }]]);
    expect(resolve({ a: [ref('vpc')] }, ids)).toEqual({ a: ['vpc-1'] });
    expect(() => resolve(ref('nope'), ids)).toThrow('reference to nope, which does not exist yet');
  });

  it('orders resources by dependency and rejects cycles', () => {
    expect(topoSort([svc, td, sg, vpc]).map((r) => r.key)).toEqual(['td', 'vpc', 'sg', 'svc']);
    const a: Resource = { key: 'a', type: 'vpc', name: 'a', dependsOn: ['b'], props: {} };
    const b: Resource = { key: 'b', type: 'vpc', name: 'b', dependsOn: ['a'], props: {} };
    expect(() => topoSort([a, b])).toThrow('dependency cycle: a → b → a');
  });
});

describe('reportedEngineVersion', () => {
  it('treats an automatic minor upgrade as the configured version and anything else as itself', () => {
    expect(reportedEngineVersion('16.6', '16.4')).toBe('16.4');
    expect(reportedEngineVersion('16.4', '16.4')).toBe('16.4');
    expect(reportedEngineVersion('16.2', '16.4')).toBe('16.2');
    expect(reportedEngineVersion('17.1', '16.4')).toBe('17.1');
    expect(reportedEngineVersion(undefined, '16.4')).toBeNull();
  });
});
