/**
 * Tamper protection on the real API server: with the chart's bulkhead-tamper-protection binding in place, not even a
 * cluster admin can change or delete an object of an agent envelope, nor add a NetworkPolicy to an agent namespace
 * (any extra policy would widen the agent's egress); the operator, writing as its own ServiceAccount, keeps
 * reconciling; deleting the policy still works, because garbage collection and namespace deletion are exempt.
 * Other test files expect the protection off (they tamper on purpose): it is switched off again at the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';
import { eventuallyRefused, exists, expectApiError } from '../support/api.ts';
import { installBulkhead } from '../support/install.ts';
import { PolicyClient, readObject, startTestOperator, type TestOperator } from '../support/operator.ts';

const admin = adminKubeConfig();
const core = admin.makeApiClient(k8s.CoreV1Api);
const networking = admin.makeApiClient(k8s.NetworkingV1Api);
const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
const flowcontrol = admin.makeApiClient(k8s.FlowcontrolApiserverV1Api);
const policies = new PolicyClient(admin);

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const refusal = /part of an agent isolation envelope managed by Bulkhead/;
const managedBy = { 'app.kubernetes.io/managed-by': 'bulkhead' };

/** An object that only claims to be Bulkhead's, outside any agent namespace: refused exactly while the protection is on. */
const labelledProbe = (): Promise<unknown> =>
  networking.createNamespacedNetworkPolicy({
    namespace: 'default',
    dryRun: 'All',
    body: { metadata: { name: 'tamper-probe', labels: managedBy }, spec: { podSelector: {} } },
  });

describe('tamper protection', () => {
  const name = uniqueName('tamper');
  const namespace = `agent-${name}`;
  let operator: TestOperator;

  before(async () => {
    operator = await startTestOperator(admin, { tamperProtection: true });
    await eventuallyRefused('the tamper protection binding to take effect', labelledProbe, 403, refusal);
    await policies.create(name, { rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } });
    await policies.waitReady(name);
  });

  after(async () => {
    await policies.delete(name).catch(() => undefined);
    await policies.waitGone(name);
    await operator.stop();
    // Switch the protection off for the other files, and wait until the API server no longer enforces it.
    await installBulkhead(admin);
    await eventually('the tamper protection to be off', async () => (await labelledProbe().then(() => true)));
  });

  test('the admin can neither edit nor delete a NetworkPolicy of the envelope', async () => {
    const patch = (body: object, dryRun?: 'All'): Promise<unknown> =>
      networking.patchNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace, body, ...(dryRun === undefined ? {} : { dryRun }) }, mergePatch);
    // Dropping Egress from the deny-all would open every destination.
    await eventuallyRefused('an edit of bulkhead-default-deny', () => patch({ spec: { policyTypes: ['Ingress'] } }, 'All'), 403, refusal);
    await expectApiError(patch({ spec: { policyTypes: ['Ingress'] } }), 403, refusal);
    // Removing the managed-by label first does not help: the old object is protected too.
    await expectApiError(patch({ metadata: { labels: { 'app.kubernetes.io/managed-by': null } } }), 403, refusal);
    await expectApiError(networking.deleteNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace }), 403, refusal);
    const kept = await readObject(admin, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'bulkhead-default-deny', namespace });
    assert.deepEqual((kept?.['spec'] as { policyTypes?: string[] }).policyTypes, ['Ingress', 'Egress']);
  });

  test('the admin can neither edit nor delete the agent Role, nor its namespace', async () => {
    const widen = { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] };
    await expectApiError(rbac.patchNamespacedRole({ name: 'bulkhead-agent', namespace, body: widen }, mergePatch), 403, refusal);
    await expectApiError(rbac.deleteNamespacedRole({ name: 'bulkhead-agent', namespace }), 403, refusal);
    await expectApiError(rbac.deleteNamespacedRoleBinding({ name: 'bulkhead-agent', namespace }), 403, refusal);
    await expectApiError(core.deleteNamespace({ name: namespace, dryRun: 'All' }), 403, refusal);
    // Nor weaken its Pod Security level.
    const privileged = { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } };
    await expectApiError(core.patchNamespace({ name: namespace, body: privileged }, mergePatch), 403, refusal);
    const role = await rbac.readNamespacedRole({ name: 'bulkhead-agent', namespace });
    assert.deepEqual((role.rules ?? []).map((r) => r.resources), [['configmaps']]);
  });

  test('the admin cannot add a NetworkPolicy to an agent namespace, but may elsewhere', async () => {
    const allowAll: k8s.V1NetworkPolicy = {
      metadata: { name: 'allow-all-egress' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] },
    };
    await expectApiError(networking.createNamespacedNetworkPolicy({ namespace, body: allowAll }), 403, refusal);
    const elsewhere = await networking.createNamespacedNetworkPolicy({ namespace: 'default', body: allowAll, dryRun: 'All' });
    assert.equal(elsewhere.metadata?.name, 'allow-all-egress');
  });

  test('the operator keeps reconciling: an edit of the policy still lands', async () => {
    await policies.patchSpec(name, {
      network: { egress: [{ cidr: '0.0.0.0/0', ports: [{ port: 443 }] }] },
      rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] },
    });
    await policies.waitReady(name);
    const egress = await readObject(admin, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'bulkhead-egress', namespace });
    assert.ok(egress !== undefined, 'bulkhead-egress was created');
    const role = await rbac.readNamespacedRole({ name: 'bulkhead-agent', namespace });
    assert.deepEqual(role.rules?.[0]?.verbs, ['get', 'list']);
  });

  test('deleting the policy still works: garbage collection and namespace deletion are exempt', async () => {
    await policies.delete(name);
    await policies.waitGone(name);
    await eventually(
      `namespace ${namespace} to be deleted`,
      async () => ((await exists(() => core.readNamespace({ name: namespace }))) ? undefined : true),
      60_000,
    );
    await eventually('the cluster-scoped FlowSchema to be collected', async () =>
      (await exists(() => flowcontrol.readFlowSchema({ name: `bulkhead-${name}` }))) ? undefined : true,
    );
  });
});
