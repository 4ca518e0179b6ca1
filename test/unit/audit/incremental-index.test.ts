import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IncrementalAuditIndex, type IndexedKind } from '../../../src/audit/incremental-index.ts';
import { indexAuditObjects } from '../../../src/audit/index.ts';
import type { AuditObjects, Binding, NetworkPolicy, Obj } from '../../../src/audit/objects.ts';
import { auditPolicy } from '../../../src/audit/report.ts';
import { clusterWith, config, samplePolicy } from './fixtures.ts';

const policy = samplePolicy('typical.yaml');
const ns = 'agent-research-assistant';

/** An incremental index fed object by object, as the informers feed it. */
function incremental(objects: AuditObjects): IncrementalAuditIndex {
  const namespaces = new Map(objects.namespaces.map((n) => [n.metadata.name, n]));
  const index = new IncrementalAuditIndex({
    namespace: (name) => namespaces.get(name),
    admissionPolicy: (name) => objects.admissionPolicies.find((o) => o.metadata.name === name),
    admissionBinding: (name) => objects.admissionBindings.find((o) => o.metadata.name === name),
  });
  const feed: [IndexedKind, readonly Obj[]][] = [
    ['RoleBinding', objects.roleBindings],
    ['ClusterRoleBinding', objects.clusterRoleBindings],
    ['Role', objects.roles],
    ['ClusterRole', objects.clusterRoles],
    ['NetworkPolicy', objects.networkPolicies],
    ['RuntimeClass', objects.runtimeClasses],
  ];
  for (const [kind, list] of feed) for (const object of list) index.upsert(kind, object);
  const byNamespace = new Set([...objects.pods, ...objects.secrets].map((o) => o.metadata.namespace ?? ''));
  for (const namespace of byNamespace) {
    index.setNamespaceContents(
      namespace,
      objects.pods.filter((p) => p.metadata.namespace === namespace),
      objects.secrets.filter((s) => s.metadata.namespace === namespace),
    );
  }
  return index;
}

const crb = (name: string, role: string, subjects: Binding['subjects']): Binding => ({
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: subjects ?? [],
});
const openEgress: NetworkPolicy = { kind: 'NetworkPolicy', metadata: { name: 'debug', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } };

test('fed object by object, it gives the audit exactly what the snapshot index gives', () => {
  const scenarios: AuditObjects[] = [
    clusterWith(policy),
    clusterWith(policy, { clusterRoleBindings: [crb('agent-view', 'view', [{ kind: 'ServiceAccount', name: 'agent', namespace: ns }])] }),
    clusterWith(policy, { clusterRoleBindings: [crb('everyone', 'view', [{ kind: 'Group', name: 'system:authenticated' }])] }),
    clusterWith(policy, { networkPolicies: [openEgress] }),
    clusterWith(policy, {
      pods: [{ metadata: { name: 'loose', namespace: ns }, spec: { serviceAccountName: 'agent' } }],
      secrets: [{ metadata: { name: 'handmade', namespace: ns } }],
    }),
  ];
  for (const objects of scenarios) {
    const base = clusterWith(policy);
    const merged: AuditObjects = {
      ...objects,
      networkPolicies: [...new Map([...base.networkPolicies, ...objects.networkPolicies].map((o) => [o.metadata.name, o])).values()],
    };
    assert.deepEqual(
      auditPolicy(policy, { config, index: incremental(merged) }).findings,
      auditPolicy(policy, { config, index: indexAuditObjects(merged) }).findings,
    );
  }
});

test('an update replaces the old version and a removal forgets it, in every lookup', () => {
  const index = incremental(clusterWith(policy));
  const binding = crb('agent-view', 'view', [{ kind: 'ServiceAccount', name: 'agent', namespace: ns }]);
  index.upsert('ClusterRoleBinding', binding);
  const names = (key: string): string[] => index.bindingsFor(key).map((b) => b.metadata.name).filter((n) => n.startsWith('agent-'));
  assert.deepEqual(names(`ServiceAccount:${ns}:agent`), ['agent-view']);
  const moved = { ...binding, subjects: [{ kind: 'ServiceAccount', name: 'other', namespace: ns }] };
  index.upsert('ClusterRoleBinding', moved, binding);
  assert.deepEqual(names(`ServiceAccount:${ns}:agent`), []);
  assert.deepEqual(index.bindingsFor(`ServiceAccount:${ns}:other`).map((b) => b.metadata.name), ['agent-view']);
  index.remove('ClusterRoleBinding', moved);
  assert.deepEqual(index.bindingsFor(`ServiceAccount:${ns}:other`), []);

  index.upsert('NetworkPolicy', openEgress);
  assert.ok(index.networkPolicies(ns).some((p) => p.metadata.name === 'debug'));
  index.remove('NetworkPolicy', openEgress);
  assert.ok(!index.networkPolicies(ns).some((p) => p.metadata.name === 'debug'));

  index.setNamespaceContents(ns, [], [{ metadata: { name: 's', namespace: ns } }]);
  assert.equal(index.hasNamespaceContents(ns), true);
  index.forgetNamespace(ns);
  assert.equal(index.hasNamespaceContents(ns), false);
  assert.deepEqual(index.secrets(ns), []);
});

test('an object concerns the agent namespaces it can widen, or every one', () => {
  const index = incremental(clusterWith(policy));
  assert.deepEqual(index.concerns('NetworkPolicy', openEgress), { namespaces: [ns] });
  assert.deepEqual(index.concerns('Role', { metadata: { name: 'r', namespace: 'team-a' } }), { namespaces: ['team-a'] });
  const rb = (subjects: Binding['subjects']): Binding => ({ ...crb('b', 'view', subjects), kind: 'RoleBinding', metadata: { name: 'b', namespace: 'team-a' } });
  assert.deepEqual(index.concerns('RoleBinding', rb([{ kind: 'ServiceAccount', name: 'agent', namespace: ns }])), { namespaces: ['team-a', ns] });
  assert.deepEqual(index.concerns('RoleBinding', rb([{ kind: 'ServiceAccount', name: 'local' }])), { namespaces: ['team-a'] });
  assert.deepEqual(index.concerns('ClusterRoleBinding', crb('g', 'view', [{ kind: 'Group', name: `system:serviceaccounts:${ns}` }])), { namespaces: [ns] });
  assert.deepEqual(index.concerns('ClusterRoleBinding', crb('u', 'view', [{ kind: 'User', name: `system:serviceaccount:${ns}:agent` }])), { namespaces: [ns] });
  assert.equal(index.concerns('ClusterRoleBinding', crb('all', 'view', [{ kind: 'Group', name: 'system:authenticated' }])), 'all');
  assert.equal(index.concerns('ClusterRoleBinding', crb('human', 'view', [{ kind: 'User', name: 'alice' }])), 'all');
  assert.equal(index.concerns('ClusterRole', { metadata: { name: 'view' } }), 'all');
});

test('an object moving between the two caches that feed the index stays indexed, whichever event comes first', () => {
  const index = incremental(clusterWith(policy));
  const subject = `ServiceAccount:${ns}:agent`;
  const names = (): string[] => index.bindingsFor(subject).map((b) => b.metadata.name).filter((n) => n.startsWith('agent-'));
  // The audit's watch of foreign bindings holds one instance; relabelled as Bulkhead's, the envelope informer parses
  // its own. Its arrival there can come before its removal from the audit's watch.
  const foreign = crb('agent-view', 'view', [{ kind: 'ServiceAccount', name: 'agent', namespace: ns }]);
  const relabelled = { ...foreign, metadata: { ...foreign.metadata, labels: { 'app.kubernetes.io/managed-by': 'bulkhead' } } };
  index.upsert('ClusterRoleBinding', foreign);
  index.upsert('ClusterRoleBinding', relabelled);
  index.remove('ClusterRoleBinding', foreign);
  assert.deepEqual(names(), ['agent-view'], 'the late removal of the old instance leaves the new one');
  index.remove('ClusterRoleBinding', relabelled);
  assert.deepEqual(names(), []);

  const np = { ...openEgress };
  const npRelabelled = { ...openEgress, metadata: { ...openEgress.metadata, labels: { 'app.kubernetes.io/managed-by': 'bulkhead' } } };
  index.upsert('NetworkPolicy', np);
  index.upsert('NetworkPolicy', npRelabelled);
  index.remove('NetworkPolicy', np);
  assert.ok(index.networkPolicies(ns).some((p) => p.metadata.name === 'debug'), 'a NetworkPolicy likewise');
  index.remove('NetworkPolicy', npRelabelled);
  assert.ok(!index.networkPolicies(ns).some((p) => p.metadata.name === 'debug'));
});
