/**
 * The reconcile contract end to end, with the real operator running as its own ServiceAccount: a policy becomes its
 * whole envelope and Ready; steady state writes nothing; edits follow and leftovers are pruned; drift is repaired;
 * deletion honours deletionPolicy; a foreign namespace is never touched; an invalid spec applies nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';
import { PolicyClient, readObject, startTestOperator, type TestOperator } from '../support/operator.ts';

const admin = adminKubeConfig();
const core = admin.makeApiClient(k8s.CoreV1Api);
const networking = admin.makeApiClient(k8s.NetworkingV1Api);
const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
const policies = new PolicyClient(admin);

const typicalSpec = {
  namespace: { labels: { team: 'research' } },
  network: { egress: [{ cidr: '0.0.0.0/0', ports: [{ port: 443 }] }] },
  rbac: {
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    clusterRoles: ['view'],
  },
  resources: { quota: { pods: '5' } },
};

/** Every object of a typical policy's envelope, by kind and name. */
function envelopeRefs(policy: string, namespace: string) {
  return [
    { apiVersion: 'v1', kind: 'Namespace', name: namespace },
    { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name: 'gvisor' },
    ...['bulkhead-default-deny', 'bulkhead-dns', 'bulkhead-egress'].map((name) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      name,
      namespace,
    })),
    { apiVersion: 'v1', kind: 'ServiceAccount', name: 'agent', namespace },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', name: 'bulkhead-agent', namespace },
    ...['bulkhead-operator', 'bulkhead-agent', 'bulkhead-agent-view'].map((name) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      name,
      namespace,
    })),
    { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', name: `bulkhead-${policy}` },
    { apiVersion: 'v1', kind: 'ResourceQuota', name: 'bulkhead', namespace },
    { apiVersion: 'v1', kind: 'LimitRange', name: 'bulkhead', namespace },
  ];
}

const gone = async (read: Promise<unknown>): Promise<true | undefined> => ((await read) === undefined ? true : undefined);

describe('policy lifecycle', () => {
  let operator: TestOperator;
  before(async () => {
    operator = await startTestOperator(admin);
  });
  after(async () => {
    await operator.stop();
  });

  describe('a typical policy', () => {
    const name = uniqueName('life');
    const namespace = `agent-${name}`;
    after(async () => {
      await policies.delete(name).catch(() => undefined);
      await policies.waitGone(name);
    });

    test('becomes its whole envelope, owned and labelled, and Ready with observedGeneration', async () => {
      const created = await policies.create(name, typicalSpec);
      const ready = await policies.waitReady(name);
      assert.equal(ready.status?.namespace, namespace);
      assert.ok(ready.metadata.finalizers?.includes('bulkhead.dev/finalizer'));
      for (const condition of ready.status?.conditions ?? []) {
        assert.equal(condition.observedGeneration, created.metadata.generation, condition.type);
        assert.equal(condition.status, 'True', `${condition.type}: ${condition.message}`);
      }
      for (const ref of envelopeRefs(name, namespace)) {
        const object = await readObject(admin, ref);
        assert.ok(object !== undefined, `${ref.kind} ${ref.name} exists`);
        assert.equal(object.metadata?.labels?.['app.kubernetes.io/managed-by'], 'bulkhead', ref.kind);
        const owner = object.metadata?.ownerReferences?.find((r) => r.uid === created.metadata.uid);
        assert.ok(owner !== undefined, `${ref.kind} ${ref.name} is owned by the policy`);
        assert.equal(owner.controller, ref.kind !== 'RuntimeClass', `${ref.kind} controller flag`);
      }
      const ns = await core.readNamespace({ name: namespace });
      assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
      assert.equal(ns.metadata?.labels?.['team'], 'research');

      // Ready's transition is an Event on the policy, where `kubectl describe agp` finds it; the aspects turning
      // True are not (at most two Events per new policy).
      const events = await eventually('Events about the policy', async () => {
        const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` });
        return list.items.some((e) => /^Ready is True/.test(e.message ?? '')) ? list.items : undefined;
      });
      assert.ok(events.length <= 2, `${events.length} Events for a new policy`);
      assert.ok(events.every((e) => e.involvedObject.uid === created.metadata.uid && e.involvedObject.kind === 'AgentPolicy'));
      assert.ok(events.some((e) => e.type === 'Normal' && e.reason === 'Reconciled' && /^Ready is True/.test(e.message ?? '')));
    });

    test('a second reconcile of the unchanged policy writes nothing', async () => {
      const snapshot = async (): Promise<Record<string, string | undefined>> => {
        const versions: Record<string, string | undefined> = {};
        versions['policy'] = (await policies.get(name))?.metadata.resourceVersion;
        for (const ref of envelopeRefs(name, namespace)) {
          versions[`${ref.kind}/${ref.name}`] = (await readObject(admin, ref))?.metadata?.resourceVersion;
        }
        return versions;
      };
      const before = await snapshot();
      // A fresh operator lists everything and reconciles every policy once: the whole envelope is checked again.
      await operator.stop();
      operator = await startTestOperator(admin);
      await eventually('the policy to be reconciled again', async () => (operator.reconciles() >= 1 ? true : undefined));
      await eventually('the work queue to drain', async () => (operator.metrics.workqueueDepth.get({ name: 'agentpolicy' }) === 0 ? true : undefined));
      assert.deepEqual(await snapshot(), before);
      const skipped = operator.metrics.registry.render().match(/^bulkhead_apply_skipped_total\{kind="NetworkPolicy"\} (\d+)/m);
      assert.ok(Number(skipped?.[1]) >= 3, 'the skipped applies are counted');
    });

    test('edits follow: egress, quota and rules; a removed cluster role and emptied rules are pruned', async () => {
      await policies.patchSpec(name, {
        network: { egress: [{ cidr: '0.0.0.0/0', ports: [{ port: 443 }] }, { namespaceName: 'llm-gateway', ports: [{ port: 8080 }] }] },
        resources: { quota: { pods: '7' } },
        rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }], clusterRoles: [] },
      });
      await policies.waitReady(name);
      const egress = await networking.readNamespacedNetworkPolicy({ name: 'bulkhead-egress', namespace });
      assert.equal(egress.spec?.egress?.length, 2);
      assert.equal(
        egress.spec?.egress?.[1]?.to?.[0]?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'],
        'llm-gateway',
      );
      const quota = await core.readNamespacedResourceQuota({ name: 'bulkhead', namespace });
      assert.equal(quota.spec?.hard?.['pods'], '7');
      const role = await rbac.readNamespacedRole({ name: 'bulkhead-agent', namespace });
      assert.deepEqual(role.rules?.[0]?.verbs, ['get', 'list', 'watch']);
      await eventually('RoleBinding bulkhead-agent-view pruned', () =>
        gone(readObject(admin, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: 'bulkhead-agent-view', namespace })),
      );

      await policies.patchSpec(name, { rbac: { rules: [], clusterRoles: [] } });
      await policies.waitReady(name);
      await eventually('Role and RoleBinding bulkhead-agent pruned', async () => {
        const role = await readObject(admin, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', name: 'bulkhead-agent', namespace });
        const binding = await readObject(admin, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: 'bulkhead-agent', namespace });
        return role === undefined && binding === undefined ? true : undefined;
      });
      // The operator's own binding stays: it is what lets it write a Role here again.
      assert.ok(await readObject(admin, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: 'bulkhead-operator', namespace }));
    });

    test('drift is repaired: a deleted NetworkPolicy, an edited Role, a removed namespace label', async () => {
      await policies.patchSpec(name, { rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } });
      await policies.waitReady(name);

      await networking.deleteNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace });
      await eventually('default-deny restored', async () =>
        (await readObject(admin, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'bulkhead-default-deny', namespace })) ? true : undefined,
      );

      await rbac.patchNamespacedRole(
        { name: 'bulkhead-agent', namespace, body: { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually('Role rules restored', async () => {
        const role = await rbac.readNamespacedRole({ name: 'bulkhead-agent', namespace });
        return role.rules?.length === 1 && role.rules[0]?.verbs.join() === 'get' && role.rules[0]?.resources?.join() === 'configmaps' ? true : undefined;
      });

      await core.patchNamespace(
        { name: namespace, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': null } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually('Pod Security label restored', async () => {
        const ns = await core.readNamespace({ name: namespace });
        return ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted' ? true : undefined;
      });
    });

    test('deleting it (deletionPolicy Delete) removes the namespace', async () => {
      await policies.delete(name);
      await policies.waitGone(name);
      await eventually('namespace deleted', () => gone(readObject(admin, { apiVersion: 'v1', kind: 'Namespace', name: namespace })), 120_000);
      await eventually('FlowSchema collected', () =>
        gone(readObject(admin, { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', name: `bulkhead-${name}` })),
      );
    });
  });

  test('deletionPolicy Retain keeps the namespace and its data, released from Bulkhead', async () => {
    const name = uniqueName('retain');
    const namespace = `agent-${name}`;
    const created = await policies.create(name, { namespace: { deletionPolicy: 'Retain', labels: { team: 'data' } } });
    await policies.waitReady(name);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'work' }, data: { notes: 'keep me' } } });
    await policies.delete(name);
    await policies.waitGone(name);
    // Give garbage collection time to act on anything still owned, then check what survived.
    await eventually('FlowSchema collected', () =>
      gone(readObject(admin, { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', name: `bulkhead-${name}` })),
    );
    const ns = await core.readNamespace({ name: namespace });
    assert.equal(ns.status?.phase, 'Active');
    assert.equal(ns.metadata?.labels?.['app.kubernetes.io/managed-by'], undefined);
    assert.equal(ns.metadata?.labels?.['bulkhead.dev/policy'], undefined);
    assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(ns.metadata?.labels?.['team'], 'data');
    assert.ok(!(ns.metadata?.ownerReferences ?? []).some((r) => r.uid === created.metadata.uid));
    const configMap = await core.readNamespacedConfigMap({ name: 'work', namespace });
    assert.equal(configMap.data?.['notes'], 'keep me');
    await core.deleteNamespace({ name: namespace });
  });

  test('a pre-existing namespace is left untouched and reported as NamespaceConflict, until annotated for adoption', async () => {
    const name = uniqueName('conflict');
    const namespace = `agent-${name}`;
    await core.createNamespace({ body: { metadata: { name: namespace, labels: { owner: 'someone-else' } } } });
    await policies.create(name, {});
    const conflicted = await policies.waitCondition(name, 'NamespaceReady', 'False', 'NamespaceConflict');
    assert.equal(conflicted.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.match(conflicted.status?.conditions?.find((c) => c.type === 'NamespaceReady')?.message ?? '', /bulkhead.dev\/adopt/);
    const untouched = await core.readNamespace({ name: namespace });
    assert.deepEqual(untouched.metadata?.labels, { owner: 'someone-else', 'kubernetes.io/metadata.name': namespace });
    assert.equal(untouched.metadata?.ownerReferences, undefined);
    assert.equal(
      await readObject(admin, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'bulkhead-default-deny', namespace }),
      undefined,
      'nothing is applied into a namespace Bulkhead does not own',
    );

    // An admin hands it over explicitly; the next pass (resync or any event on the policy) adopts it.
    await core.patchNamespace(
      { name: namespace, body: { metadata: { annotations: { 'bulkhead.dev/adopt': name } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await policies.patchSpec(name, { namespace: { labels: { adopted: 'yes' } } });
    await policies.waitReady(name);
    const adopted = await core.readNamespace({ name: namespace });
    assert.equal(adopted.metadata?.labels?.['app.kubernetes.io/managed-by'], 'bulkhead');
    // Adopted, every label is the policy's: a label left from before could match another team's selectors.
    assert.equal(adopted.metadata?.labels?.['adopted'], 'yes');
    await eventually("the namespace's labels to be exactly the policy's", async () =>
      (await core.readNamespace({ name: namespace })).metadata?.labels?.['owner'] === undefined ? true : undefined,
    );
    await policies.delete(name);
    await policies.waitGone(name);
  });

  test('a policy beyond the permission ceiling is InvalidSpec with the field named, and nothing is applied', async () => {
    const name = uniqueName('invalid');
    await policies.create(name, { rbac: { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] } });
    const invalid = await policies.waitCondition(name, 'Ready', 'False', 'InvalidSpec');
    assert.match(invalid.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /spec\.rbac\.rules\[0\]/);
    assert.equal(await readObject(admin, { apiVersion: 'v1', kind: 'Namespace', name: `agent-${name}` }), undefined);

    // Fixing the spec brings the envelope.
    await policies.patchSpec(name, { rbac: { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] } });
    await policies.waitReady(name);
    await policies.delete(name);
    await policies.waitGone(name);
  });
});
