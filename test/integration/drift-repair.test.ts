/**
 * Drift repair for the whole class: for every kind Bulkhead writes, another writer (a field manager of its own, with
 * tamper protection's binding switched off, as an admin who disabled it would) widens the object; the operator, as
 * its own ServiceAccount, restores the exact object (equal to the pure desiredState on every owned field) with a
 * single write, reports it (Event DriftRepaired naming the object and field, bulkhead_drift_repairs_total), and then
 * writes nothing at rest. The chart's admission objects, which the operator may not write, are verified instead:
 * SandboxEnforced says False while a binding is narrowed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { desiredState } from '../../src/desired/desired-state.ts';
import { driftOf, type ObjectLike } from '../../src/envelope/drift.ts';
import { serverSideApply, type ApplyObject } from '../../src/kube/apply.ts';
import { usePlainJson } from '../../src/kube/raw-serialization.ts';
import { validateAgentPolicy } from '../../src/validation/validate.ts';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';
import { PolicyClient, readObject, startTestOperator, type TestOperator } from '../support/operator.ts';

const admin = adminKubeConfig();
const policies = new PolicyClient(admin);
const objects = k8s.KubernetesObjectApi.makeApiClient(admin);
const core = admin.makeApiClient(k8s.CoreV1Api);

interface Ref {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** One widening: what another writer does to one object of the envelope. */
interface Widening {
  readonly what: string;
  readonly ref: (namespace: string, policy: string) => Ref;
  /** Applied as the field manager "intruder" (server-side apply, force), or a merge patch (an Update). */
  readonly change: Change | ((namespace: string) => Change);
}

interface Change {
  readonly apply?: Record<string, unknown>;
  readonly mergePatch?: Record<string, unknown>;
}

const np = (name: string) => (namespace: string): Ref => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name, namespace });
const nsRef = (namespace: string): Ref => ({ apiVersion: 'v1', kind: 'Namespace', name: namespace });

const widenings: readonly Widening[] = [
  { what: 'deny-all opened both ways', ref: np('bulkhead-default-deny'), change: { apply: { spec: { ingress: [{}], egress: [{}] } } } },
  { what: 'deny-all narrowed to some pods', ref: np('bulkhead-default-deny'), change: { apply: { spec: { podSelector: { matchLabels: { only: 'these' } } } } } },
  {
    what: 'egress allow list widened to every private range',
    ref: np('bulkhead-egress'),
    change: { mergePatch: { spec: { egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] } } },
  },
  { what: 'DNS rule opened to every port', ref: np('bulkhead-dns'), change: { mergePatch: { spec: { egress: [{}] } } } },
  { what: 'ingress allow list opened', ref: np('bulkhead-ingress'), change: { mergePatch: { spec: { ingress: [{}] } } } },
  { what: 'namespace given a foreign label', ref: nsRef, change: { apply: { metadata: { labels: { team: 'trusted' } } } } },
  {
    what: 'namespace admission parameters emptied',
    ref: nsRef,
    change: { apply: { metadata: { annotations: { 'bulkhead.dev/allowed-registries': '', 'bulkhead.dev/runtime-class': 'runc' } } } },
  },
  { what: 'Pod Security lowered', ref: nsRef, change: { mergePatch: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } } } },
  {
    what: 'Role given list on secrets',
    ref: (namespace) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', name: 'bulkhead-agent', namespace }),
    change: { mergePatch: { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }] } },
  },
  {
    what: 'agent RoleBinding extended to every authenticated user',
    ref: (namespace) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', name: 'bulkhead-agent', namespace }),
    change: (namespace) => ({
      mergePatch: {
        subjects: [
          { kind: 'ServiceAccount', name: 'agent', namespace },
          { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' },
        ],
      },
    }),
  },
  {
    what: 'ServiceAccount given automount and a pull secret',
    ref: (namespace) => ({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'agent', namespace }),
    change: { apply: { automountServiceAccountToken: true, imagePullSecrets: [{ name: 'foreign-registry' }] } },
  },
  {
    what: 'quota raised and given a foreign key',
    ref: (namespace) => ({ apiVersion: 'v1', kind: 'ResourceQuota', name: 'bulkhead', namespace }),
    change: { apply: { spec: { hard: { pods: '1000', 'count/secrets': '1000' } } } },
  },
  {
    what: 'LimitRange max raised',
    ref: (namespace) => ({ apiVersion: 'v1', kind: 'LimitRange', name: 'bulkhead', namespace }),
    change: { mergePatch: { spec: { limits: [{ type: 'Container', default: { cpu: '64', memory: '256Gi' }, defaultRequest: { cpu: '32', memory: '128Gi' } }] } } },
  },
  {
    what: 'FlowSchema moved to the exempt priority level',
    ref: (_ns, policy) => ({ apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', name: `bulkhead-${policy}` }),
    change: { mergePatch: { spec: { priorityLevelConfiguration: { name: 'exempt' } } } },
  },
  {
    what: 'RuntimeClass scheduling and overhead changed',
    ref: () => ({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name: runtimeClassName }),
    change: { apply: { scheduling: { nodeSelector: { 'runtime': 'none' } }, overhead: { podFixed: { cpu: '1m' } } } },
  },
];

const runtimeClassName = uniqueName('rc');

async function widen(ref: Ref, change: Change): Promise<void> {
  usePlainJson(ref.apiVersion, ref.kind);
  const header = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) } };
  if (change.apply !== undefined) {
    const { metadata, ...rest } = change.apply as { metadata?: Record<string, unknown> };
    await serverSideApply(objects, { ...header, ...rest, metadata: { ...header.metadata, ...metadata } } as ApplyObject, { fieldManager: 'intruder' });
  } else {
    const { metadata, ...rest } = (change.mergePatch ?? {}) as { metadata?: Record<string, unknown> };
    await objects.patch(
      { ...header, ...rest, metadata: { ...header.metadata, ...metadata } } as k8s.KubernetesObject,
      undefined,
      undefined,
      'intruder',
      undefined,
      k8s.PatchStrategy.MergePatch,
    );
  }
}

describe('drift repair: every widening of every kind is restored exactly, with one write, and reported', () => {
  const name = uniqueName('drift');
  const namespace = `agent-${name}`;
  let operator: TestOperator;
  let desired: ObjectLike[];

  before(async () => {
    // A short resync, so the at-rest check below sees full passes that no event triggered.
    operator = await startTestOperator(admin, { resyncMs: 2_000 });
    const stored = await policies.create(name, {
      sandbox: { runtimeClass: { name: runtimeClassName, overhead: { cpu: '100m', memory: '64Mi' } } },
      network: {
        egress: [{ cidr: '0.0.0.0/0', ports: [{ port: 443 }] }],
        ingress: [{ namespaceName: 'ingress-nginx', ports: [{ port: 8080 }] }],
      },
      rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }], clusterRoles: ['view'] },
      resources: { quota: { pods: '5' }, limits: { max: { cpu: '2', memory: '2Gi' } } },
    });
    await policies.waitReady(name);
    const validated = validateAgentPolicy(stored, { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules });
    assert.ok(validated.ok);
    desired = desiredState(validated.policy, defaultOperatorConfig) as unknown as ObjectLike[];
  });

  after(async () => {
    await policies.delete(name).catch(() => undefined);
    await policies.waitGone(name);
    await operator.stop();
  });

  const repairs = (kind: string): number =>
    operator.metrics.driftRepairs.get({ kind, repair: 'apply' }) + operator.metrics.driftRepairs.get({ kind, repair: 'update' });

  for (const widening of widenings) {
    test(widening.what, async () => {
      const ref = widening.ref(namespace, name);
      const want = desired.find((o) => o.kind === ref.kind && o.metadata.name === ref.name);
      assert.ok(want !== undefined, `the policy renders ${ref.kind} ${ref.name}`);
      const before = repairs(ref.kind);
      await widen(ref, typeof widening.change === 'function' ? widening.change(namespace) : widening.change);
      const restored = await eventually(`${ref.kind} ${ref.name} to be restored`, async () => {
        const live = await readObject(admin, ref);
        return live !== undefined && driftOf(want, live as unknown as ObjectLike) === undefined && repairs(ref.kind) > before ? live : undefined;
      });
      assert.equal(repairs(ref.kind) - before, 1, 'one repairing write');
      // Nothing writes it afterwards: no second repair, and the object holds across a full pass.
      const settled = await policies.waitReady(name);
      assert.equal(repairs(ref.kind) - before, 1, 'still one repairing write after the pass');
      // Kubernetes' own controllers write status (a quota's usage, a FlowSchema's Dangling condition): where the
      // object has a generation, that is what a spec write would move; the quota has none, the repair count covers it.
      const after = await readObject(admin, ref);
      if (restored.metadata?.generation !== undefined) assert.equal(after?.metadata?.generation, restored.metadata.generation);
      else if (ref.kind !== 'ResourceQuota') assert.equal(after?.metadata?.resourceVersion, restored.metadata?.resourceVersion);
      assert.equal(settled.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name},reason=DriftRepaired` });
      assert.ok(
        events.items.some((e) => (e.message ?? '').includes(`${ref.kind} ${ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`}`)),
        `an Event names ${ref.kind} ${ref.name}`,
      );
    });
  }

  test('at rest after all repairs: resync passes write nothing', async () => {
    const versions = async (): Promise<string[]> =>
      Promise.all(desired.map(async (o) => (await readObject(admin, { ...o.metadata, apiVersion: o.apiVersion, kind: o.kind }))?.metadata?.resourceVersion ?? 'gone'));
    const beforeVersions = await versions();
    const policyBefore = await policies.get(name);
    const reconciles = operator.reconciles();
    await eventually('two resync passes over the unchanged policy', async () => (operator.reconciles() >= reconciles + 2 ? true : undefined), 15_000);
    assert.deepEqual(await versions(), beforeVersions);
    assert.equal((await policies.get(name))?.metadata.resourceVersion, policyBefore?.metadata.resourceVersion);
  });
});

describe('the chart\'s admission objects are verified, never written: a narrowed binding is reported', () => {
  const name = uniqueName('vap');
  let operator: TestOperator;

  before(async () => {
    operator = await startTestOperator(admin);
    await policies.create(name, {});
    await policies.waitReady(name);
  });

  after(async () => {
    await policies.delete(name).catch(() => undefined);
    await policies.waitGone(name);
    await operator.stop();
  });

  test('an objectSelector on the Enforce binding makes SandboxEnforced False, naming it; reinstalling clears it', async () => {
    const admission = admin.makeApiClient(k8s.AdmissionregistrationV1Api);
    const bindingName = `${defaultOperatorConfig.agentPodsAdmissionPolicyName}-enforce`;
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await admission.patchValidatingAdmissionPolicyBinding(
      { name: bindingName, body: { spec: { matchResources: { objectSelector: { matchLabels: { checked: 'yes' } } } } } },
      merge,
    );
    try {
      const weakened = await policies.waitCondition(name, 'SandboxEnforced', 'False', 'AdmissionPolicyChanged');
      const message = weakened.status?.conditions?.find((c) => c.type === 'SandboxEnforced')?.message ?? '';
      assert.match(message, new RegExp(`ValidatingAdmissionPolicyBinding ${bindingName} was changed \\(spec.matchResources\\)`));
      assert.equal(weakened.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    } finally {
      await admission.patchValidatingAdmissionPolicyBinding({ name: bindingName, body: { spec: { matchResources: { objectSelector: null } } } }, merge);
    }
    await policies.waitCondition(name, 'SandboxEnforced', 'True');
  });
});
