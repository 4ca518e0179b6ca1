import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterManifests } from '../../../src/cluster/manifests.ts';
import { operatorAuditRules, operatorClusterRoleRules } from '../../../src/cluster/operator-rbac.ts';
import { defaultOperatorConfig } from '../../../src/config.ts';
import { apiGroupOf, resourceTable } from '../../../src/envelope/resource-table.ts';

const rules = operatorClusterRoleRules({ ...defaultOperatorConfig, name: 'bulkhead-operator' });

test('the operator ClusterRole has no wildcard, no escalate or impersonate, and binds only named roles', () => {
  for (const rule of rules) {
    for (const list of [rule.apiGroups, rule.resources, rule.verbs]) assert.ok(!list.includes('*'), JSON.stringify(rule));
    assert.ok(!rule.verbs.includes('escalate') && !rule.verbs.includes('impersonate'), JSON.stringify(rule));
    if (rule.verbs.includes('bind')) {
      assert.deepEqual(rule.resources, ['clusterroles']);
      assert.deepEqual(rule.resourceNames, ['bulkhead-agent-ceiling', 'bulkhead-operator-audit', 'view']);
    }
  }
  // Secrets are never readable by the operator itself; only through the ceiling inside agent namespaces.
  assert.ok(!rules.some((r) => r.resources.includes('secrets')));
  // The isolation audit lists pods and secret metadata only where the operator binds its audit role: agent namespaces.
  assert.deepEqual(operatorAuditRules, [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['list'] }]);
});

test('every kind of the resource table gets exactly its verbs; namespaces are never deleted by the operator', () => {
  for (const kind of resourceTable) {
    const rule = rules.find((r) => r.resources.length === 1 && r.resources[0] === kind.plural && r.apiGroups[0] === apiGroupOf(kind.apiVersion));
    assert.ok(rule !== undefined, kind.kind);
    assert.deepEqual(rule.verbs, [...kind.operatorVerbs], kind.kind);
  }
  assert.ok(!rules.find((r) => r.resources.includes('namespaces'))?.verbs.includes('delete'));
});

test('cluster manifests: namespace first, admission policies last, each object named once', () => {
  const objects = clusterManifests(defaultOperatorConfig) as { kind: string; metadata: { name: string } }[];
  assert.equal(objects[0]?.kind, 'Namespace');
  const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes('ValidatingAdmissionPolicy/bulkhead-agent-pods'));
  assert.ok(ids.includes('PriorityLevelConfiguration/bulkhead-agents'));
  assert.ok(ids.includes('ClusterRole/bulkhead-agent-ceiling'));
});
