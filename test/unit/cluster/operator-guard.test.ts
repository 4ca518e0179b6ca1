/**
 * The operator guard as generated. Its meaning is proven on the real API server (test/integration/operator-guard.test.ts);
 * here: it judges exactly the operator's requests, on every resource, and every write the operator's RBAC allows
 * falls into one of the categories its rules know.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterManifests, operatorGuardName } from '../../../src/cluster/manifests.ts';
import { operatorGuardBinding, operatorGuardPolicy, operatorUsername } from '../../../src/cluster/operator-guard.ts';
import { operatorClusterRoleRules, operatorRbac } from '../../../src/cluster/operator-rbac.ts';
import { defaultOperatorConfig } from '../../../src/config.ts';
import { resourceTable } from '../../../src/envelope/resource-table.ts';

interface Guard {
  metadata: { name: string };
  spec: {
    failurePolicy: string;
    paramKind?: unknown;
    matchConstraints: { resourceRules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[] };
    matchConditions: { name: string; expression: string }[];
    variables: { name: string; expression: string }[];
    validations: { expression: string; message?: string; messageExpression?: string; reason: string }[];
  };
}

const options = { ...defaultOperatorConfig, name: operatorGuardName };
const guard = operatorGuardPolicy(options) as Guard;
const variable = (name: string): string => guard.spec.variables.find((v) => v.name === name)?.expression ?? assert.fail(`no variable ${name}`);

test('judges only the operator ServiceAccount, on every resource and subresource, and fails closed', () => {
  assert.equal(guard.spec.failurePolicy, 'Fail');
  assert.equal(guard.spec.paramKind, undefined);
  assert.deepEqual(guard.spec.matchConstraints.resourceRules, [
    { apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['*/*'] },
  ]);
  assert.deepEqual(guard.spec.matchConditions, [
    { name: 'operator-only', expression: "request.userInfo.username == 'system:serviceaccount:bulkhead-system:bulkhead'" },
  ]);
  assert.equal(operatorUsername({ operatorNamespace: 'ops', operatorServiceAccount: 'bh' }), 'system:serviceaccount:ops:bh');
});

test('the binding denies (not audit), cluster-wide, without parameters', () => {
  assert.deepEqual(operatorGuardBinding(options), {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: operatorGuardName, labels: { 'app.kubernetes.io/name': 'bulkhead', 'app.kubernetes.io/component': 'admission' } },
    spec: { policyName: operatorGuardName, validationActions: ['Deny'] },
  });
});

test('a configured operator namespace and ServiceAccount reach the match condition and the Lease rule', () => {
  const custom = operatorGuardPolicy({ ...options, name: 'g', operatorNamespace: 'platform-ops', operatorServiceAccount: "it's" }) as Guard;
  // A quote in a name must not end the CEL string early.
  assert.equal(custom.spec.matchConditions[0]?.expression, "request.userInfo.username == 'system:serviceaccount:platform-ops:it\\'s'");
  assert.equal(custom.spec.variables.find((v) => v.name === 'operatorNamespace')?.expression, "'platform-ops'");
});

test('creates need the managed-by label on the new object; updates and deletes need Bulkhead on the stored one', () => {
  const own = variable('ownObject');
  assert.match(own, /^request\.operation == 'CREATE' \? \(object != null && object\.metadata\.\?labels\[\?'app\.kubernetes\.io\/managed-by'\]/);
  assert.match(own, /: \(variables\.storedIsBulkheads \|\| variables\.adoption\)$/);
  // The stored object (oldObject) is what counts: a look-alike cannot be relabelled into the envelope by the operator.
  assert.match(variable('storedIsBulkheads'), /oldObject\.metadata\.\?labels/);
  assert.match(variable('storedIsBulkheads'), /r\.apiVersion == 'bulkhead\.dev\/v1alpha1' && r\.kind == 'AgentPolicy'/);
  assert.doesNotMatch(variable('storedIsBulkheads'), /\bobject\.metadata/);
  // Adoption: only a namespace, only an update, only by the policy the admin named.
  assert.match(variable('adoption'), /^variables\.namespaceRequest && request\.operation == 'UPDATE'/);
  assert.match(variable('adoption'), /\[\?'bulkhead\.dev\/adopt'\][^=]*== object\.metadata\.\?labels\[\?'bulkhead\.dev\/policy'\]/);
  // Namespaced objects only inside a namespace Bulkhead manages.
  assert.match(variable('agentNamespace'), /namespaceObject\.metadata\.\?labels\[\?'app\.kubernetes\.io\/managed-by'\]/);
});

test('every write the operator RBAC grants falls under a rule of the guard', () => {
  const writeVerbs = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
  const known = new Set([
    'bulkhead.dev/agentpolicies',
    'bulkhead.dev/agentpolicies/status',
    'bulkhead.dev/agentpolicies/finalizers', // only an authorization check for blockOwnerDeletion: never written
    '/events',
    'events.k8s.io/events',
    'coordination.k8s.io/leases',
    ...resourceTable.map((r) => `${r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''}/${r.plural}`),
  ]);
  const roles = operatorRbac({ ...options, name: 'bulkhead-operator' }) as { kind: string; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }[];
  const rules = [...operatorClusterRoleRules({ ...options, name: 'bulkhead-operator' }), ...roles.flatMap((o) => (o.kind === 'Role' ? o.rules ?? [] : []))];
  for (const rule of rules) {
    if (!rule.verbs.some((v) => writeVerbs.has(v))) continue;
    for (const apiGroup of rule.apiGroups) {
      for (const resource of rule.resources) assert.ok(known.has(`${apiGroup}/${resource}`), `${apiGroup}/${resource} is written but not judged`);
    }
  }
});

test('the only subresource allowed is the AgentPolicy status; Events only in default; the Lease only in its namespace', () => {
  const [subresources, policies, events, leases, envelope] = guard.spec.validations;
  assert.equal(guard.spec.validations.length, 8);
  assert.equal(subresources?.expression, "variables.subresource == '' || (variables.policyRequest && variables.subresource == 'status')");
  assert.match(policies?.expression ?? '', /object\.\?spec\.orValue\(\{\}\) == oldObject\.\?spec\.orValue\(\{\}\)/);
  assert.match(policies?.expression ?? '', /request\.operation == 'UPDATE'/);
  assert.match(events?.expression ?? '', /variables\.requestNamespace == 'default' && request\.operation != 'DELETE'/);
  assert.match(leases?.expression ?? '', /variables\.requestNamespace == variables\.operatorNamespace/);
  assert.equal(envelope?.expression, '!variables.envelopeRequest || (variables.ownObject && variables.agentNamespace)');
  for (const validation of guard.spec.validations) assert.equal(validation.reason, 'Forbidden');
});

test('envelope objects keep their shape: bindings to local ServiceAccounts, FlowSchemas to the agent level, PSA never privileged', () => {
  const [rolebindings, flowschemas, namespaces] = guard.spec.validations.slice(5);
  assert.match(rolebindings?.expression ?? '', /rolebindings.*subjects\.orValue\(\[\]\)\.all\(s, s\.kind == 'ServiceAccount'/);
  assert.match(rolebindings?.expression ?? '', /s\.name == variables\.operatorServiceAccount/);
  assert.match(flowschemas?.expression ?? '', /priorityLevelConfiguration\.name == 'bulkhead-agents'/);
  assert.match(flowschemas?.expression ?? '', /matchingPrecedence\.orValue\(0\) == 1000/);
  assert.match(flowschemas?.expression ?? '', /s\.serviceAccount\.namespace != '\*'/);
  assert.match(namespaces?.expression ?? '', /'pod-security\.kubernetes\.io\/enforce'\]\.orValue\(''\) in \['restricted','baseline'\]$/);
  // Each applies only to writes that carry an object (a delete has none).
  for (const rule of [rolebindings, flowschemas, namespaces]) assert.match(rule?.expression ?? '', /&& object != null\)/);
});

test('every CEL expression has balanced parentheses, brackets and quotes', () => {
  const expressions = [...guard.spec.matchConditions, ...guard.spec.variables, ...guard.spec.validations].flatMap((e) => [
    e.expression,
    ...('messageExpression' in e && typeof e.messageExpression === 'string' ? [e.messageExpression] : []),
  ]);
  for (const expression of expressions) {
    const unquoted = expression.replace(/\\'/g, '').replace(/'[^']*'/g, "''");
    assert.equal((unquoted.match(/'/g) ?? []).length % 2, 0, expression);
    for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}']] as const) {
      assert.equal(unquoted.split(open).length, unquoted.split(close).length, `${open}${close} in ${expression}`);
    }
  }
});

test('cluster manifests install the guard after its policy, and after tamper protection', () => {
  const ids = (clusterManifests(defaultOperatorConfig) as { kind: string; metadata: { name: string } }[]).map((o) => `${o.kind}/${o.metadata.name}`);
  const policy = ids.indexOf(`ValidatingAdmissionPolicy/${operatorGuardName}`);
  const binding = ids.indexOf(`ValidatingAdmissionPolicyBinding/${operatorGuardName}`);
  assert.ok(policy >= 0 && binding > policy, ids.join(', '));
  assert.ok(policy > ids.indexOf('ValidatingAdmissionPolicyBinding/bulkhead-tamper-protection'));
});
