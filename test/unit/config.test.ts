import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultOperatorConfig, loadOperatorConfig, OperatorConfigError } from '../../src/config.ts';

test('defaults when no BULKHEAD_* variable is set', () => {
  assert.deepEqual(loadOperatorConfig({}), defaultOperatorConfig);
  assert.equal(defaultOperatorConfig.operatorNamespace, 'bulkhead-system');
  assert.equal(defaultOperatorConfig.operatorServiceAccount, 'bulkhead');
  assert.equal(defaultOperatorConfig.ceilingClusterRole, 'bulkhead-agent-ceiling');
  assert.deepEqual(defaultOperatorConfig.bindableClusterRoles, ['view']);
  assert.equal(defaultOperatorConfig.agentPodsAdmissionPolicyName, 'bulkhead-agent-pods');
  assert.equal(defaultOperatorConfig.priorityLevelName, 'bulkhead-agents');
});

test('variables override, lists and maps parse', () => {
  const config = loadOperatorConfig({
    BULKHEAD_OPERATOR_NAMESPACE: 'ops',
    BULKHEAD_BINDABLE_CLUSTER_ROLES: 'view, edit',
    BULKHEAD_FLOW_SCHEMA_PRECEDENCE: '1200',
    BULKHEAD_DNS_POD_LABELS: 'k8s-app=coredns',
  });
  assert.equal(config.operatorNamespace, 'ops');
  assert.deepEqual(config.bindableClusterRoles, ['view', 'edit']);
  assert.equal(config.flowSchemaMatchingPrecedence, 1200);
  assert.deepEqual(config.dnsPodLabels, { 'k8s-app': 'coredns' });
});

test('bad values are named by their variable', () => {
  assert.throws(
    () => loadOperatorConfig({ BULKHEAD_OPERATOR_NAMESPACE: 'Not Valid', BULKHEAD_FLOW_SCHEMA_PRECEDENCE: 'high' }),
    (error: unknown) =>
      error instanceof OperatorConfigError &&
      error.problems.some((p) => p.startsWith('BULKHEAD_OPERATOR_NAMESPACE:')) &&
      error.problems.some((p) => p.startsWith('BULKHEAD_FLOW_SCHEMA_PRECEDENCE:')),
  );
});
