/**
 * The operator's own blast radius, with its real token (TokenRequest) on the real API server: as if that token had
 * leaked, it is turned against look-alike objects (same names as Bulkhead's, no Bulkhead labels, in and out of agent
 * namespaces; one with another manager's label) and against the cluster's own objects. Every write its RBAC would
 * allow but that is not part of an agent envelope is refused by the bulkhead-operator-guard admission policy; its
 * legitimate writes (checked with server-side dry runs) still pass; the look-alikes are untouched afterwards.
 * What such a token can still do is listed in docs/security.md; the "residual" rows below prove those lines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { operatorGuardName } from '../../src/cluster/manifests.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { assertTable, runChecks, type AccessCheck, type Outcome } from '../support/access-checks.ts';
import { eventuallyRefused } from '../support/api.ts';
import { adminKubeConfig, uniqueName } from '../support/cluster.ts';
import { operatorKubeConfig } from '../support/install.ts';
import { PolicyClient, startTestOperator, type TestOperator } from '../support/operator.ts';

const admin = adminKubeConfig();
const policies = new PolicyClient(admin);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const dryRun = 'All' as const;
const managedBy = { 'app.kubernetes.io/managed-by': 'bulkhead' };
const guard: Outcome = `admission:${operatorGuardName}`;
const opNs = defaultOperatorConfig.operatorNamespace;

/** The typed clients of one identity. */
function clients(kc: k8s.KubeConfig) {
  return {
    core: kc.makeApiClient(k8s.CoreV1Api),
    networking: kc.makeApiClient(k8s.NetworkingV1Api),
    rbac: kc.makeApiClient(k8s.RbacAuthorizationV1Api),
    node: kc.makeApiClient(k8s.NodeV1Api),
    flow: kc.makeApiClient(k8s.FlowcontrolApiserverV1Api),
    coordination: kc.makeApiClient(k8s.CoordinationV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
  };
}

const denyAll = (name: string, labels?: Record<string, string>): k8s.V1NetworkPolicy => ({
  metadata: { name, ...(labels === undefined ? {} : { labels }) },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
});

describe('the operator guard, with the operator token turned against look-alikes', () => {
  const policy = uniqueName('guard');
  const agentNs = `agent-${policy}`;
  const otherNs = uniqueName('guard-other');
  const adoptNs = uniqueName('guard-adopt');
  const lookalikeClass = uniqueName('guard-rc');
  const lookalikeFlow = uniqueName('bulkhead-guard');
  const as = clients(admin);
  let op: ReturnType<typeof clients>;
  let operator: TestOperator;
  /** resourceVersions of every look-alike, read before the attack. */
  const before_: Record<string, string | undefined> = {};

  const lookalikes = (): Record<string, () => Promise<{ metadata?: k8s.V1ObjectMeta }>> => ({
    'NetworkPolicy other/bulkhead-default-deny': () => as.networking.readNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace: otherNs }),
    'NetworkPolicy other/bulkhead-egress (helm)': () => as.networking.readNamespacedNetworkPolicy({ name: 'bulkhead-egress', namespace: otherNs }),
    'RoleBinding other/bulkhead-operator': () => as.rbac.readNamespacedRoleBinding({ name: 'bulkhead-operator', namespace: otherNs }),
    'ConfigMap agent/agent-data': () => as.core.readNamespacedConfigMap({ name: 'agent-data', namespace: agentNs }),
    'RoleBinding agent/foreign': () => as.rbac.readNamespacedRoleBinding({ name: 'foreign', namespace: agentNs }),
    'RuntimeClass look-alike': () => as.node.readRuntimeClass({ name: lookalikeClass }),
    'FlowSchema look-alike': () => as.flow.readFlowSchema({ name: lookalikeFlow }),
    'Namespace default': () => as.core.readNamespace({ name: 'default' }),
    'Namespace kube-system': () => as.core.readNamespace({ name: 'kube-system' }),
    'Namespace adopt (annotated for another policy)': () => as.core.readNamespace({ name: adoptNs }),
  });

  before(async () => {
    operator = await startTestOperator(admin);
    op = clients(await operatorKubeConfig(admin));
    // The binding takes effect asynchronously: wait until it refuses the operator something RBAC allows.
    await eventuallyRefused(
      'the operator guard to take effect',
      () => op.networking.createNamespacedNetworkPolicy({ namespace: 'default', body: denyAll('guard-probe'), dryRun }),
      403,
      /bulkhead-operator-guard/,
    );
    await policies.create(policy, { rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } });
    await policies.waitReady(policy);

    // Look-alikes, seeded by the admin: Bulkhead's names without Bulkhead's labels, outside and inside the agent namespace.
    await as.core.createNamespace({ body: { metadata: { name: otherNs } } });
    await as.core.createNamespace({ body: { metadata: { name: adoptNs, annotations: { 'bulkhead.dev/adopt': 'someone-else' } } } });
    await as.networking.createNamespacedNetworkPolicy({ namespace: otherNs, body: denyAll('bulkhead-default-deny') });
    await as.networking.createNamespacedNetworkPolicy({ namespace: otherNs, body: denyAll('bulkhead-egress', { 'app.kubernetes.io/managed-by': 'helm' }) });
    const viewFor = (name: string, namespace: string): k8s.V1RoleBinding => ({
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }],
    });
    await as.rbac.createNamespacedRoleBinding({ namespace: otherNs, body: viewFor('bulkhead-operator', otherNs) });
    await as.rbac.createNamespacedRoleBinding({ namespace: agentNs, body: viewFor('foreign', agentNs) });
    await as.core.createNamespacedConfigMap({ namespace: agentNs, body: { metadata: { name: 'agent-data' }, data: { notes: 'the agent wrote this' } } });
    await as.core.createNamespacedSecret({ namespace: agentNs, body: { metadata: { name: 'agent-creds' }, stringData: { key: 'guard-secret-value' } } });
    await as.node.createRuntimeClass({ body: { metadata: { name: lookalikeClass }, handler: 'runc' } });
    await as.flow.createFlowSchema({
      body: {
        metadata: { name: lookalikeFlow },
        spec: {
          priorityLevelConfiguration: { name: 'workload-low' },
          matchingPrecedence: 5000,
          rules: [{ subjects: [{ kind: 'ServiceAccount', serviceAccount: { namespace: otherNs, name: 'default' } }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }],
        },
      },
    });
    for (const [what, read] of Object.entries(lookalikes())) before_[what] = (await read()).metadata?.resourceVersion;
  });

  after(async () => {
    await policies.delete(policy).catch(() => undefined);
    await policies.waitGone(policy);
    await operator.stop();
    for (const name of [otherNs, adoptNs]) await as.core.deleteNamespace({ name }).catch(() => undefined);
    await as.node.deleteRuntimeClass({ name: lookalikeClass }).catch(() => undefined);
    await as.flow.deleteFlowSchema({ name: lookalikeFlow }).catch(() => undefined);
  });

  test('refuses every write outside the envelope, lets the envelope writes through, prints the table', async () => {
    const attacker = { kind: 'ServiceAccount', name: 'attacker', namespace: otherNs };
    const bindView = (name: string, subjects: k8s.RbacV1Subject[]): k8s.V1RoleBinding => ({
      metadata: { name, labels: managedBy },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects,
    });
    const policyEvent = (namespace: string, involved: k8s.V1ObjectReference): Promise<unknown> =>
      op.core.createNamespacedEvent({
        namespace,
        dryRun,
        body: { metadata: { name: uniqueName('guard-event'), namespace }, involvedObject: involved, reason: 'Probe', message: 'probe', type: 'Normal' },
      });
    const agentPolicyRef = { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', name: policy };
    const policyCoordinates = { group: 'bulkhead.dev', version: 'v1alpha1', plural: 'agentpolicies', name: policy };
    const checks: AccessCheck[] = [
      // Positive controls: what the operator must still be able to do (server-side dry runs).
      { name: 'envelope: patch its NetworkPolicy bulkhead-default-deny', expect: 'allowed', attempt: () => op.networking.patchNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace: agentNs, body: { metadata: { annotations: { probe: 'x' } } }, dryRun }, mergePatch) },
      { name: 'envelope: create a labelled NetworkPolicy in the agent namespace', expect: 'allowed', attempt: () => op.networking.createNamespacedNetworkPolicy({ namespace: agentNs, body: denyAll('bulkhead-probe', managedBy), dryRun }) },
      { name: 'envelope: delete its NetworkPolicy bulkhead-dns (prune)', expect: 'allowed', attempt: () => op.networking.deleteNamespacedNetworkPolicy({ name: 'bulkhead-dns', namespace: agentNs, dryRun }) },
      { name: 'envelope: bind the agent ServiceAccount to view', expect: 'allowed', attempt: () => op.rbac.createNamespacedRoleBinding({ namespace: agentNs, body: bindView('bulkhead-agent-probe', [{ kind: 'ServiceAccount', name: 'agent', namespace: agentNs }]), dryRun }) },
      { name: 'envelope: create a labelled namespace (restricted)', expect: 'allowed', attempt: () => op.core.createNamespace({ body: { metadata: { name: uniqueName('agent-probe'), labels: { ...managedBy, 'pod-security.kubernetes.io/enforce': 'restricted' } } }, dryRun }) },
      { name: 'envelope: patch the shared RuntimeClass gvisor', expect: 'allowed', attempt: () => op.node.patchRuntimeClass({ name: 'gvisor', body: { metadata: { annotations: { probe: 'x' } } }, dryRun }, mergePatch) },
      { name: 'policy: write its status', expect: 'allowed', attempt: () => op.custom.patchClusterCustomObjectStatus({ ...policyCoordinates, body: { status: { observedGeneration: 1 } }, dryRun }, mergePatch) },
      { name: 'policy: set a finalizer', expect: 'allowed', attempt: () => op.custom.patchClusterCustomObject({ ...policyCoordinates, body: { metadata: { finalizers: ['bulkhead.dev/finalizer', 'example.com/probe'] } }, dryRun }, mergePatch) },
      { name: 'event: about the AgentPolicy, in default', expect: 'allowed', attempt: () => policyEvent('default', agentPolicyRef) },
      { name: 'lease: create one in its own namespace', expect: 'allowed', attempt: () => op.coordination.createNamespacedLease({ namespace: opNs, body: { metadata: { name: uniqueName('guard-lease') }, spec: {} }, dryRun }) },
      { name: 'adoption: label a namespace annotated for this policy', expect: 'allowed', attempt: async () => {
        const ns = uniqueName('guard-adoptable');
        await as.core.createNamespace({ body: { metadata: { name: ns, annotations: { 'bulkhead.dev/adopt': policy } } } });
        try {
          await op.core.patchNamespace({ name: ns, body: { metadata: { labels: { ...managedBy, 'bulkhead.dev/policy': policy, 'pod-security.kubernetes.io/enforce': 'restricted' } } }, dryRun }, mergePatch);
        } finally {
          await as.core.deleteNamespace({ name: ns });
        }
      } },

      // Look-alikes: Bulkhead's names, not Bulkhead's objects. Real writes: the table proves they are refused.
      { name: 'look-alike: patch NetworkPolicy bulkhead-default-deny outside agent namespaces', expect: guard, attempt: () => op.networking.patchNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace: otherNs, body: { spec: { policyTypes: ['Ingress'] } } }, mergePatch) },
      { name: 'look-alike: delete NetworkPolicy bulkhead-default-deny outside agent namespaces', expect: guard, attempt: () => op.networking.deleteNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace: otherNs }) },
      { name: 'look-alike: take it over by adding the managed-by label', expect: guard, attempt: () => op.networking.patchNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace: otherNs, body: { metadata: { labels: managedBy } } }, mergePatch) },
      { name: 'look-alike: NetworkPolicy managed by helm, relabelled as Bulkhead', expect: guard, attempt: () => op.networking.patchNamespacedNetworkPolicy({ name: 'bulkhead-egress', namespace: otherNs, body: { metadata: { labels: managedBy } } }, mergePatch) },
      { name: 'look-alike: delete RoleBinding bulkhead-operator outside agent namespaces', expect: guard, attempt: () => op.rbac.deleteNamespacedRoleBinding({ name: 'bulkhead-operator', namespace: otherNs }) },
      { name: 'look-alike: delete an unlabelled RoleBinding inside the agent namespace', expect: guard, attempt: () => op.rbac.deleteNamespacedRoleBinding({ name: 'foreign', namespace: agentNs }) },
      { name: 'look-alike: patch a RuntimeClass Bulkhead did not create', expect: guard, attempt: () => op.node.patchRuntimeClass({ name: lookalikeClass, body: { metadata: { labels: managedBy } } }, mergePatch) },
      { name: 'look-alike: delete a RuntimeClass Bulkhead did not create', expect: guard, attempt: () => op.node.deleteRuntimeClass({ name: lookalikeClass }) },
      { name: 'look-alike: patch a FlowSchema named bulkhead-*', expect: guard, attempt: () => op.flow.patchFlowSchema({ name: lookalikeFlow, body: { spec: { priorityLevelConfiguration: { name: 'bulkhead-agents' } } } }, mergePatch) },
      { name: 'look-alike: delete a FlowSchema named bulkhead-*', expect: guard, attempt: () => op.flow.deleteFlowSchema({ name: lookalikeFlow }) },
      { name: 'adoption: label a namespace annotated for another policy', expect: guard, attempt: () => op.core.patchNamespace({ name: adoptNs, body: { metadata: { labels: { ...managedBy, 'bulkhead.dev/policy': policy, 'pod-security.kubernetes.io/enforce': 'restricted' } } } }, mergePatch) },

      // The agent's own data inside its namespace: the ceiling lets the operator write configmaps there, the guard not.
      { name: 'agent data: patch the agent\'s ConfigMap', expect: guard, attempt: () => op.core.patchNamespacedConfigMap({ name: 'agent-data', namespace: agentNs, body: { data: { notes: 'overwritten' } } }, mergePatch) },
      { name: 'agent data: delete the agent\'s ConfigMap', expect: guard, attempt: () => op.core.deleteNamespacedConfigMap({ name: 'agent-data', namespace: agentNs }) },
      { name: 'agent data: create an unlabelled ConfigMap in the agent namespace', expect: guard, attempt: () => op.core.createNamespacedConfigMap({ namespace: agentNs, body: { metadata: { name: 'planted' }, data: { x: 'y' } } }) },

      // The rest of the cluster: what RBAC grants cluster-wide but no envelope needs.
      { name: 'cluster: create an unlabelled NetworkPolicy in default', expect: guard, attempt: () => op.networking.createNamespacedNetworkPolicy({ namespace: 'default', body: denyAll('planted') }) },
      { name: 'cluster: deny-all NetworkPolicy in kube-system, labelled as Bulkhead\'s', expect: guard, attempt: () => op.networking.createNamespacedNetworkPolicy({ namespace: 'kube-system', body: denyAll('bulkhead-default-deny', managedBy) }) },
      { name: 'cluster: bind view in kube-system to an attacker, labelled as Bulkhead\'s', expect: guard, attempt: () => op.rbac.createNamespacedRoleBinding({ namespace: 'kube-system', body: bindView('bulkhead-agent-view', [attacker]) }) },
      { name: 'cluster: bind view in the agent namespace to a foreign ServiceAccount', expect: guard, attempt: () => op.rbac.createNamespacedRoleBinding({ namespace: agentNs, body: bindView('bulkhead-agent-view2', [attacker]) }) },
      { name: 'cluster: bind the ceiling in the agent namespace to system:authenticated', expect: guard, attempt: () => op.rbac.createNamespacedRoleBinding({ namespace: agentNs, body: { ...bindView('bulkhead-agent-all', [{ kind: 'Group', name: 'system:authenticated', apiGroup: 'rbac.authorization.k8s.io' }]), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: defaultOperatorConfig.ceilingClusterRole } } }) },
      { name: 'cluster: relabel namespace default', expect: guard, attempt: () => op.core.patchNamespace({ name: 'default', body: { metadata: { labels: { planted: 'x' } } } }, mergePatch) },
      { name: 'cluster: make kube-system privileged', expect: guard, attempt: () => op.core.patchNamespace({ name: 'kube-system', body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } } }, mergePatch) },
      { name: 'cluster: make its own agent namespace privileged', expect: guard, attempt: () => op.core.patchNamespace({ name: agentNs, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, dryRun }, mergePatch) },
      { name: 'cluster: create an unlabelled namespace', expect: guard, attempt: () => op.core.createNamespace({ body: { metadata: { name: uniqueName('planted') } } }) },
      { name: 'cluster: create an unlabelled RuntimeClass', expect: guard, attempt: () => op.node.createRuntimeClass({ body: { metadata: { name: uniqueName('planted') }, handler: 'runc' } }) },
      { name: 'cluster: patch the system FlowSchema global-default', expect: guard, attempt: () => op.flow.patchFlowSchema({ name: 'global-default', body: { spec: { priorityLevelConfiguration: { name: 'bulkhead-agents' } } } }, mergePatch) },
      { name: 'cluster: route system:authenticated to the agent level, labelled', expect: guard, attempt: () => op.flow.createFlowSchema({ dryRun, body: { metadata: { name: uniqueName('bulkhead-all'), labels: managedBy }, spec: { priorityLevelConfiguration: { name: 'bulkhead-agents' }, matchingPrecedence: 1000, rules: [{ subjects: [{ kind: 'Group', group: { name: 'system:authenticated' } }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] }] } } }) },
      { name: 'cluster: route every ServiceAccount of a namespace to the agent level, labelled', expect: guard, attempt: () => op.flow.createFlowSchema({ dryRun, body: { metadata: { name: uniqueName('bulkhead-sa'), labels: managedBy }, spec: { priorityLevelConfiguration: { name: 'bulkhead-agents' }, matchingPrecedence: 1000, rules: [{ subjects: [{ kind: 'ServiceAccount', serviceAccount: { namespace: otherNs, name: '*' } }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] }] } } }) },
      { name: 'policy: widen its spec (egress to everything)', expect: guard, attempt: () => op.custom.patchClusterCustomObject({ ...policyCoordinates, body: { spec: { network: { egress: [{ cidr: '0.0.0.0/0' }] } } } }, mergePatch) },
      { name: 'policy: relabel it', expect: guard, attempt: () => op.custom.patchClusterCustomObject({ ...policyCoordinates, body: { metadata: { labels: { planted: 'x' } } } }, mergePatch) },
      { name: 'event: about a Pod, in default', expect: guard, attempt: () => policyEvent('default', { apiVersion: 'v1', kind: 'Pod', name: 'x', namespace: 'default' }) },
      { name: 'event: about the AgentPolicy, in kube-system', expect: guard, attempt: () => policyEvent('kube-system', { ...agentPolicyRef, namespace: 'kube-system' }) },

      // Refused by RBAC before admission: the layers below the guard.
      { name: 'rbac: a Lease in kube-system', expect: 'rbac', attempt: () => op.coordination.createNamespacedLease({ namespace: 'kube-system', body: { metadata: { name: 'planted' }, spec: {} }, dryRun }) },
      { name: 'rbac: a token for the agent ServiceAccount', expect: 'rbac', attempt: () => op.core.createNamespacedServiceAccountToken({ name: 'agent', namespace: agentNs, body: { spec: { audiences: [] } } }) },
      { name: 'rbac: a ClusterRoleBinding', expect: 'rbac', attempt: () => op.rbac.createClusterRoleBinding({ dryRun, body: { metadata: { name: 'planted' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [attacker] } }) },
      { name: 'rbac: read a secret in default', expect: 'rbac', attempt: () => op.core.readNamespacedSecret({ name: 'anything', namespace: 'default' }) },
      { name: 'rbac: create an AgentPolicy', expect: 'rbac', attempt: () => op.custom.createClusterCustomObject({ group: 'bulkhead.dev', version: 'v1alpha1', plural: 'agentpolicies', dryRun, body: { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'planted' }, spec: {} } }) },

      // Residual (docs/security.md): reads are never admitted, and the envelope itself is the operator's to write.
      { name: 'residual: read a secret of the agent by name (ceiling grants get)', expect: 'allowed', attempt: () => op.core.readNamespacedSecret({ name: 'agent-creds', namespace: agentNs }) },
      { name: 'residual: list the secrets of an agent namespace (the isolation audit role)', expect: 'allowed', attempt: () => op.core.listNamespacedSecret({ namespace: agentNs }) },
      { name: 'rbac: list secrets outside agent namespaces', expect: 'rbac', attempt: () => op.core.listNamespacedSecret({ namespace: 'kube-system' }) },
      { name: 'residual: open the agent\'s egress (its own NetworkPolicy)', expect: 'allowed', attempt: () => op.networking.patchNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace: agentNs, body: { spec: { egress: [{}] } }, dryRun }, mergePatch) },
    ];
    const results = await runChecks(checks);
    assertTable('operator token (leaked) vs the operator guard', results);
    assert.ok(results.filter((r) => r.outcome === guard).length >= 25, 'the guard itself refuses at least 25 of them');
  });

  test('every look-alike is exactly as it was', async () => {
    for (const [what, read] of Object.entries(lookalikes())) {
      assert.equal((await read()).metadata?.resourceVersion, before_[what], `${what} was modified`);
    }
    const data = await as.core.readNamespacedConfigMap({ name: 'agent-data', namespace: agentNs });
    assert.deepEqual(data.data, { notes: 'the agent wrote this' });
  });

  test('the operator still reconciles under the guard: an edit of the policy lands', async () => {
    await policies.patchSpec(policy, { rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }], clusterRoles: ['view'] } });
    // Not Ready as a whole: the isolation audit rightly reports the Secret this test wrote by hand as a widening.
    await policies.waitCondition(policy, 'AccessControlled', 'True');
    const binding = await as.rbac.readNamespacedRoleBinding({ name: 'bulkhead-agent-view', namespace: agentNs });
    assert.deepEqual(JSON.parse(JSON.stringify(binding.subjects)), [{ kind: 'ServiceAccount', name: 'agent', namespace: agentNs }]);
  });

  test('the guard judges only the operator: the admin may still write outside the envelope', async () => {
    const created = await as.networking.createNamespacedNetworkPolicy({ namespace: 'default', body: denyAll('admin-probe'), dryRun });
    assert.equal(created.metadata?.name, 'admin-probe');
  });
});
