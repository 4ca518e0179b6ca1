import assert from 'node:assert/strict';
/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are mutated freely through untyped JSON */
import { describe, test } from 'node:test';
import { defaultOperatorConfig } from '../../../src/config.ts';
import { desiredState } from '../../../src/desired/desired-state.ts';
import { driftOf, repairedObject, type ObjectLike } from '../../../src/envelope/drift.ts';
import { samplePolicy } from '../../support/samples.ts';

const owner = { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', name: 'a', uid: 'u1', controller: true, blockOwnerDeletion: true };
const denyAll: ObjectLike = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'bulkhead-default-deny', namespace: 'agent-a', labels: { 'app.kubernetes.io/managed-by': 'bulkhead' }, ownerReferences: [owner] },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
};

/** What the API server stores for `desired`: bookkeeping, server defaults, another owner, empty lists omitted. */
function stored(desired: ObjectLike, change: (o: Record<string, any>) => void = () => {}): ObjectLike {
  const copy = structuredClone(desired) as Record<string, any>;
  Object.assign(copy.metadata, { uid: 'x', resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z' });
  copy.metadata.labels = { ...copy.metadata.labels, 'set-by': 'someone else' };
  copy.metadata.ownerReferences = [...(copy.metadata.ownerReferences ?? []), { apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'u2' }];
  if (copy.spec?.ingress?.length === 0) delete copy.spec.ingress;
  if (copy.spec?.egress?.length === 0) delete copy.spec.egress;
  copy.status = {};
  change(copy);
  return copy as ObjectLike;
}

describe('drift: equality on owned fields', () => {
  test('what the server stored (bookkeeping, omitted empties, extra labels and owners) is no drift', () => {
    assert.equal(driftOf(denyAll, stored(denyAll)), undefined);
  });

  test('a missing object is written by apply', () => {
    assert.deepEqual(driftOf(denyAll, undefined), { path: '', repair: 'apply' });
  });

  test('widening the deny-all (allow-all rules, a narrowed podSelector) is drift that only an update removes', () => {
    assert.deepEqual(driftOf(denyAll, stored(denyAll, (o) => (o.spec.ingress = [{}]))), { path: 'spec.ingress', repair: 'update' });
    assert.deepEqual(driftOf(denyAll, stored(denyAll, (o) => (o.spec.egress = [{}]))), { path: 'spec.egress', repair: 'update' });
    assert.deepEqual(driftOf(denyAll, stored(denyAll, (o) => (o.spec.podSelector = { matchLabels: { app: 'x' } }))), {
      path: 'spec.podSelector.matchLabels',
      repair: 'update',
    });
  });

  test('a field Bulkhead names, changed, is set back by apply', () => {
    assert.deepEqual(driftOf(denyAll, stored(denyAll, (o) => (o.spec.policyTypes = ['Egress', 'Egress']))), {
      path: 'spec.policyTypes[0]',
      repair: 'apply',
    });
    assert.deepEqual(driftOf(denyAll, stored(denyAll, (o) => (o.metadata.labels['app.kubernetes.io/managed-by'] = 'me'))), {
      path: 'metadata.labels.app.kubernetes.io/managed-by',
      repair: 'apply',
    });
    assert.equal(driftOf(denyAll, stored(denyAll, (o) => o.metadata.ownerReferences.shift()))?.path, 'metadata.ownerReferences[0]');
  });

  test('{} selects everything and is never folded into absence; other empties are', () => {
    const peer = (p: object): ObjectLike => ({ ...denyAll, spec: { ...(denyAll['spec'] as object), egress: [{ to: [p] }] } });
    const own = peer({ podSelector: { matchLabels: { app: 'db' } } });
    assert.equal(driftOf(own, stored(own, (o) => (o.spec.egress[0].to[0].namespaceSelector = {})))?.repair, 'update');
    assert.equal(driftOf(own, stored(own, (o) => (o.spec.egress[0].to[0].podSelector.matchExpressions = []))), undefined);
  });

  test('quantities compare by value; false is a value', () => {
    const quota: ObjectLike = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'bulkhead', labels: {} }, spec: { hard: { cpu: '1000m', memory: '1024Mi' } } };
    assert.equal(driftOf(quota, { ...quota, spec: { hard: { cpu: '1', memory: '1Gi' } } }), undefined);
    assert.deepEqual(driftOf(quota, { ...quota, spec: { hard: { cpu: '1', memory: '1Gi', pods: '1000' } } }), { path: 'spec.hard.pods', repair: 'update' });
    assert.deepEqual(driftOf(quota, { ...quota, spec: { hard: { cpu: '1' , memory: '1Gi' }, scopeSelector: { matchExpressions: [{ scopeName: 'BestEffort', operator: 'Exists' }] } } }), {
      path: 'spec.scopeSelector',
      repair: 'update',
    });
    const sa: ObjectLike = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'agent', labels: {} }, automountServiceAccountToken: false };
    assert.equal(driftOf(sa, { ...sa, automountServiceAccountToken: undefined })?.path, 'automountServiceAccountToken');
    assert.deepEqual(driftOf(sa, { ...sa, imagePullSecrets: [{ name: 'foreign' }] }), { path: 'imagePullSecrets', repair: 'update' });
  });

  test('every label of the namespace and every bulkhead.dev/ annotation is owned exactly', () => {
    const ns: ObjectLike = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'agent-a', labels: { 'app.kubernetes.io/managed-by': 'bulkhead' }, annotations: { 'bulkhead.dev/runtime-class': 'gvisor', note: 'x' } },
    };
    const live = (change: (o: Record<string, any>) => void): ObjectLike => {
      const copy = structuredClone(ns) as Record<string, any>;
      copy.metadata.labels['kubernetes.io/metadata.name'] = 'agent-a';
      change(copy);
      return copy as ObjectLike;
    };
    assert.equal(driftOf(ns, live(() => {})), undefined);
    assert.equal(driftOf(ns, live((o) => (o.metadata.annotations['other.io/free'] = 'ok'))), undefined);
    assert.deepEqual(driftOf(ns, live((o) => (o.metadata.labels['team'] = 'trusted'))), { path: 'metadata.labels.team', repair: 'update' });
    assert.deepEqual(driftOf(ns, live((o) => (o.metadata.annotations['bulkhead.dev/allowed-registries'] = ''))), {
      path: 'metadata.annotations.bulkhead.dev/allowed-registries',
      repair: 'update',
    });
  });

  test('a field Bulkhead applied before and no longer desires is stale (from its managedFields entry)', () => {
    const live = stored(denyAll, (o) => {
      o.metadata.labels.old = 'v';
      o.metadata.managedFields = [{ manager: 'bulkhead', operation: 'Apply', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:old': {} } } } }];
    });
    assert.deepEqual(driftOf(denyAll, live), { path: 'metadata.labels.old', repair: 'apply' });
  });
});

test('a shared RuntimeClass carrying per-policy owners and managers (Bulkhead before 0.2) is migrated by one update', () => {
  const rc: ObjectLike = { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor', labels: { 'app.kubernetes.io/managed-by': 'bulkhead' } }, handler: 'runsc' };
  const legacy = {
    ...rc,
    metadata: {
      ...rc.metadata,
      resourceVersion: '7',
      ownerReferences: [{ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', name: 'a', uid: 'u1', controller: false }],
      managedFields: [{ manager: 'bulkhead-policy-a', operation: 'Apply' }],
    },
  } as ObjectLike;
  assert.deepEqual(driftOf(rc, legacy), { path: 'metadata.ownerReferences', repair: 'update' });
  const repaired = repairedObject(rc, legacy);
  assert.equal(repaired.metadata.ownerReferences, undefined);
  assert.deepEqual(repaired.metadata['managedFields'], [{}]);
  assert.equal(driftOf(rc, { ...repaired, metadata: { ...repaired.metadata, managedFields: undefined } }), undefined);
});

describe('repairedObject: one update that leaves the object exactly as desired', () => {
  test('owned fields replaced, foreign labels kept (not on the namespace), resourceVersion kept as the precondition', () => {
    const live = stored(denyAll, (o) => {
      o.spec.ingress = [{}];
      o.spec.podSelector = { matchLabels: { app: 'x' } };
    });
    const repaired = repairedObject(denyAll, live);
    assert.deepEqual(repaired['spec'], denyAll['spec']);
    assert.equal(repaired.metadata['resourceVersion'], '42');
    assert.equal(repaired.metadata.labels?.['set-by'], 'someone else');
    assert.equal(repaired['status'], undefined);
    assert.equal(driftOf(denyAll, repaired), undefined);
  });

  test('every sample envelope object, widened by a foreign writer, is restored in one repair', () => {
    const policy = samplePolicy('maximal.yaml');
    for (const object of desiredState(policy, defaultOperatorConfig) as unknown as ObjectLike[]) {
      const widened = stored(object, (o) => {
        o.metadata.labels['kubernetes.io/metadata.name'] = o.metadata.name;
        o.metadata.labels.foreign = 'label';
        o.metadata.annotations = { ...o.metadata.annotations, 'bulkhead.dev/foreign': 'x' };
        o.extraTopLevel = { wide: true };
        if (o.spec !== undefined) o.spec.foreign = [{}];
        if (o.rules !== undefined) o.rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['list'] });
        if (o.subjects !== undefined) o.subjects.push({ kind: 'Group', name: 'system:authenticated' });
      });
      const repaired = repairedObject(object, widened);
      assert.equal(driftOf(object, repaired), undefined, `${object.kind} ${object.metadata.name}`);
    }
  });
});
