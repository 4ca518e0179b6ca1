import assert from 'node:assert/strict';
/* eslint-disable @typescript-eslint/no-explicit-any -- test fixtures are mutated freely through untyped JSON */
import { test } from 'node:test';
import { applyDecision, needsApply } from '../../../src/kube/needs-apply.ts';

const desired = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: {
    name: 'bulkhead-egress',
    namespace: 'agent-a',
    labels: { 'app.kubernetes.io/managed-by': 'bulkhead' },
    ownerReferences: [{ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', name: 'a', uid: 'u1', controller: true }],
  },
  spec: {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443 }] }],
    ingress: [],
  },
};

function live(overrides: (o: Record<string, any>) => void = () => {}): Record<string, any> {
  const copy = structuredClone(desired) as Record<string, any>;
  copy.metadata.uid = 'x';
  copy.metadata.resourceVersion = '42';
  copy.metadata.creationTimestamp = '2025-01-01T00:00:00Z';
  copy.metadata.labels.extra = 'set by someone else';
  copy.metadata.ownerReferences.push({ apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'u2' });
  copy.spec.egress[0].ports[0].protocol = 'TCP'; // server default
  delete copy.spec.ingress; // the server omits the empty list
  copy.status = {};
  overrides(copy);
  return copy;
}

test('an object the server stored (defaults, extra labels and owners, bookkeeping) needs no apply', () => {
  assert.deepEqual(applyDecision(desired, live()), { needed: false });
});

test('absent live object needs an apply', () => {
  assert.equal(needsApply(desired, undefined), true);
});

test('a changed, missing or reordered field needs an apply, naming the path', () => {
  assert.deepEqual(applyDecision(desired, live((o) => (o.metadata.labels['app.kubernetes.io/managed-by'] = 'me'))), {
    needed: true,
    path: 'metadata.labels.app.kubernetes.io/managed-by',
  });
  assert.equal(applyDecision(desired, live((o) => (o.spec.egress[0].ports[0].port = 80))).path, 'spec.egress[0].ports[0].port');
  assert.equal(applyDecision(desired, live((o) => o.spec.egress[0].to[0].ipBlock.except.push('192.168.0.0/16'))).path, 'spec.egress[0].to[0].ipBlock.except');
  assert.equal(applyDecision(desired, live((o) => o.spec.egress.push({}))).path, 'spec.egress', 'atomic lists must match in length');
  assert.equal(applyDecision(desired, live((o) => (o.metadata.ownerReferences[0].controller = false))).path, 'metadata.ownerReferences[0].controller');
  assert.equal(applyDecision(desired, live((o) => o.metadata.ownerReferences.shift())).path, 'metadata.ownerReferences[0]');
  assert.equal(applyDecision(desired, live((o) => (o.spec.policyTypes = ['Ingress']))).path, 'spec.policyTypes[0]');
});

test('false and 0 are values, not absence', () => {
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'agent' }, automountServiceAccountToken: false };
  assert.equal(needsApply(sa, { ...sa, automountServiceAccountToken: undefined }), true);
  assert.equal(needsApply(sa, { ...sa }), false);
});

test('quantities in resource maps compare by value; elsewhere strings compare exactly', () => {
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'bulkhead' }, spec: { hard: { cpu: '1000m', memory: '1024Mi', pods: '10' } } };
  assert.equal(needsApply(quota, { ...quota, spec: { hard: { cpu: '1', memory: '1Gi', pods: '10' } } }), false);
  assert.equal(needsApply(quota, { ...quota, spec: { hard: { cpu: '2', memory: '1Gi', pods: '10' } } }), true);
  const limits = {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: 'bulkhead' },
    spec: { limits: [{ type: 'Container', default: { cpu: '0.5' }, max: { memory: '2048Mi' } }] },
  };
  assert.equal(needsApply(limits, { ...limits, spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, max: { memory: '2Gi' } }] } }), false);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { size: '1000m' } };
  assert.equal(needsApply(cm, { ...cm, data: { size: '1' } }), true);
});

test('finalizers compare as a set', () => {
  const d = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x', finalizers: ['a'] } };
  assert.equal(needsApply(d, { ...d, metadata: { name: 'x', finalizers: ['b', 'a'] } }), false);
  assert.equal(needsApply(d, { ...d, metadata: { name: 'x', finalizers: ['b'] } }), true);
});

test('a field Bulkhead applied earlier and no longer desires needs an apply to remove it', () => {
  const managedFields = [
    { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:extra': {} } } } },
    {
      manager: 'bulkhead',
      operation: 'Apply',
      fieldsV1: {
        'f:metadata': {
          'f:labels': { 'f:app.kubernetes.io/managed-by': {} },
          'f:ownerReferences': { 'k:{"uid":"u1"}': { '.': {}, 'f:controller': {} } },
        },
        'f:spec': { 'f:podSelector': {}, 'f:policyTypes': {}, 'f:egress': {}, 'f:ingress': {} },
      },
    },
  ];
  const withFields = live((o) => (o.metadata.managedFields = managedFields));
  assert.deepEqual(applyDecision(desired, withFields), { needed: false });

  const stale = structuredClone(managedFields);
  (stale[1]!.fieldsV1 as any)['f:metadata']['f:labels']['f:old'] = {};
  assert.equal(applyDecision(desired, live((o) => (o.metadata.managedFields = stale))).path, 'metadata.labels.old');

  const otherOwner = structuredClone(managedFields);
  (otherOwner[1]!.fieldsV1 as any)['f:metadata']['f:ownerReferences']['k:{"uid":"gone"}'] = { '.': {} };
  assert.equal(applyDecision(desired, live((o) => (o.metadata.managedFields = otherOwner))).needed, true);
  assert.equal(needsApply(desired, live((o) => (o.metadata.managedFields = stale)), 'someone-else'), false);
});
