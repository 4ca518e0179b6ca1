import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { defaultCeilingRules } from '../../../src/api/v1alpha1/ceiling.ts';
import { agentPodsAdmissionPolicy, agentPodsBindings } from '../../../src/cluster/agent-pods-admission.ts';
import { defaultOperatorConfig } from '../../../src/config.ts';
import type { ClusterReader, ClusterWriter, KubeObject, ObjectRef } from '../../../src/controller/ports.ts';
import { createReconciler, ReconcileError } from '../../../src/controller/reconciler.ts';
import { resourceTable, type ResourceKind } from '../../../src/envelope/resource-table.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';

/**
 * The reconciler over in-memory fakes of its two ports (no API server): what it writes, and that the status it
 * writes tells the truth when a step fails.
 */
const uid = 'policy-uid';
const policyObject = (): KubeObject => ({
  apiVersion: 'bulkhead.dev/v1alpha1',
  kind: 'AgentPolicy',
  metadata: { name: 'p', uid, generation: 1, finalizers: ['bulkhead.dev/finalizer'] },
  spec: { rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } },
});

const key = (r: ObjectRef): string => `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

class FakeCluster implements ClusterReader, ClusterWriter {
  readonly objects = new Map<string, KubeObject>();
  readonly installedObjects = new Map<string, KubeObject>();
  readonly statuses: Record<string, unknown>[] = [];
  readonly events: string[] = [];
  policyObject = policyObject();
  failDelete = false;
  failOwnedBy = false;
  #version = 0;

  constructor() {
    for (const o of [agentPodsAdmissionPolicy(defaultOperatorConfig.agentPodsAdmissionPolicyName), ...agentPodsBindings(defaultOperatorConfig.agentPodsAdmissionPolicyName)]) {
      const object = o as KubeObject;
      this.installedObjects.set(key({ ...object.metadata, apiVersion: object.apiVersion, kind: object.kind }), object);
    }
  }

  policy = (): KubeObject => this.policyObject;
  cached = (ref: ObjectRef): KubeObject | undefined => this.objects.get(key(ref));
  ownedBy = (owner: string): KubeObject[] => {
    if (this.failOwnedBy) throw new Error('cache unavailable');
    return [...this.objects.values()].filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === owner));
  };
  serves = (apiVersion: string, kind: string): boolean => (resourceTable as readonly ResourceKind[]).some((r) => r.apiVersion === apiVersion && r.kind === kind && r.optional !== true);
  read = async (ref: ObjectRef): Promise<KubeObject | undefined> => this.objects.get(key(ref));
  clusterRoleRules = async (): Promise<typeof defaultCeilingRules> => defaultCeilingRules;
  installed = (ref: ObjectRef): KubeObject | undefined => this.installedObjects.get(key(ref));
  runtimeClass = (name: string): KubeObject | undefined => this.objects.get(key({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name }));

  #store(object: KubeObject): KubeObject {
    this.#version += 1;
    const stored = { ...object, metadata: { ...object.metadata, uid: `uid-${object.metadata.name}`, resourceVersion: String(this.#version) } };
    this.objects.set(key({ ...object.metadata, apiVersion: object.apiVersion, kind: object.kind }), stored);
    return stored;
  }
  apply = async (object: KubeObject): Promise<KubeObject> => this.#store(object);
  create = async (object: KubeObject): Promise<KubeObject> => {
    if (this.objects.has(key({ ...object.metadata, apiVersion: object.apiVersion, kind: object.kind }))) {
      throw new KubeApiError({ verb: 'create', kind: object.kind, name: object.metadata.name }, { statusCode: 409, reason: 'AlreadyExists', serverMessage: 'already exists' });
    }
    return this.#store(object);
  };
  update = async (object: KubeObject): Promise<KubeObject> => this.#store(object);
  delete = async (object: KubeObject): Promise<void> => {
    if (this.failDelete) throw new Error(`delete ${object.kind} ${object.metadata.name}: 503 the server is unavailable`);
    this.objects.delete(key({ ...object.metadata, apiVersion: object.apiVersion, kind: object.kind }));
  };
  policiesNamingRuntimeClass = (): string[] => ['p'];
  setPolicyFinalizers = async (): Promise<void> => undefined;
  writePolicyStatus = async (_policy: KubeObject, status: Record<string, unknown>): Promise<void> => {
    this.statuses.push(status);
    this.policyObject = { ...this.policyObject, status };
  };
  recordEvent = async (_policy: KubeObject, _type: string, reason: string, message: string): Promise<void> => {
    this.events.push(`${reason}: ${message}`);
  };
}

const condition = (status: Record<string, unknown> | undefined, type: string) =>
  (status?.['conditions'] as { type: string; status: string; reason: string; message: string }[] | undefined)?.find((c) => c.type === type);

/** The isolation audit found nothing outside the policy (its own tests: test/unit/controller/isolation.test.ts). */
const isolated = async () => ({ observed: { status: 'True' as const, reason: 'NoWidening', message: 'nothing widens it' } });

function reconcilerOver(cluster: FakeCluster) {
  return createReconciler({
    config: defaultOperatorConfig,
    reader: cluster,
    writer: cluster,
    log: pino({ level: 'silent' }),
    now: () => new Date('2026-01-01T00:00:00Z'),
    isolation: isolated,
  });
}

describe('reconciler: status is written on every path and never claims more than is true', () => {
  test('a clean pass writes the envelope and says Ready; a second pass writes nothing', async () => {
    const cluster = new FakeCluster();
    const reconcile = reconcilerOver(cluster);
    await reconcile('p');
    assert.equal(condition(cluster.statuses.at(-1), 'Ready')?.status, 'True');
    assert.equal(cluster.statuses.length, 1, 'a new policy costs one status write: the first pass observes what it wrote');
    const writes = cluster.objects.size;
    const versions = [...cluster.objects.values()].map((o) => o.metadata.resourceVersion);
    await reconcile('p');
    assert.equal(cluster.objects.size, writes);
    assert.deepEqual([...cluster.objects.values()].map((o) => o.metadata.resourceVersion), versions);
  });

  test('a prune that fails leaves AccessControlled False naming the object, and the error is thrown after the status write', async () => {
    const cluster = new FakeCluster();
    const reconcile = reconcilerOver(cluster);
    await reconcile('p');
    assert.equal(condition(cluster.statuses.at(-1), 'Ready')?.status, 'True');
    // The rules go: the Role and its binding must be pruned, and deleting fails.
    cluster.policyObject = { ...cluster.policyObject, metadata: { ...cluster.policyObject.metadata, generation: 2 }, spec: {} };
    cluster.failDelete = true;
    await assert.rejects(reconcile('p'), (error: unknown) => error instanceof ReconcileError && /prune: delete Role bulkhead-agent/.test(error.message));
    const status = cluster.statuses.at(-1);
    assert.equal(condition(status, 'Ready')?.status, 'False');
    assert.equal(condition(status, 'AccessControlled')?.reason, 'PruneFailed');
    assert.match(condition(status, 'AccessControlled')?.message ?? '', /Role agent-p\/bulkhead-agent is no longer wanted and could not be removed/);
    assert.equal(condition(status, 'NetworkIsolated')?.status, 'True', 'an independent aspect still reports what it saw');
  });

  test('an observation that fails makes every aspect Unknown (never a stale True) and the pass fails', async () => {
    const cluster = new FakeCluster();
    const reconcile = reconcilerOver(cluster);
    await reconcile('p');
    cluster.failOwnedBy = true;
    await assert.rejects(reconcile('p'), /cache unavailable/);
    const status = cluster.statuses.at(-1);
    assert.equal(condition(status, 'Ready')?.status, 'Unknown');
    for (const type of ['NamespaceReady', 'SandboxEnforced', 'NetworkIsolated', 'AccessControlled']) {
      assert.equal(condition(status, type)?.reason, 'ObserveFailed', type);
    }
  });

  test('an object that differs after its write (a mutating webhook, a stale write) is Drifted, not True', async () => {
    const cluster = new FakeCluster();
    const original = cluster.create;
    cluster.create = async (object: KubeObject): Promise<KubeObject> => {
      const stored = await original(object);
      if (object.kind !== 'NetworkPolicy' || object.metadata.name !== 'bulkhead-default-deny') return stored;
      const widened = { ...stored, spec: { podSelector: { matchLabels: { webhook: 'was-here' } }, policyTypes: ['Ingress', 'Egress'] } };
      cluster.objects.set(key({ ...stored.metadata, apiVersion: stored.apiVersion, kind: stored.kind }), widened);
      return widened;
    };
    await reconcilerOver(cluster)('p');
    const status = cluster.statuses.at(-1);
    assert.equal(condition(status, 'NetworkIsolated')?.reason, 'Drifted');
    assert.match(condition(status, 'NetworkIsolated')?.message ?? '', /NetworkPolicy agent-p\/bulkhead-default-deny differs from the policy at spec.podSelector/);
    assert.equal(condition(status, 'Ready')?.status, 'False');
  });

  test('an object of an envelope name that is not the policy\'s is never written, and the aspect says so', async () => {
    const cluster = new FakeCluster();
    const foreign: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'agent', namespace: 'agent-p', uid: 'theirs', resourceVersion: '1' } };
    // Not in the cache (no Bulkhead label): only the create finds it.
    const cached = cluster.cached;
    cluster.cached = (ref) => (ref.kind === 'ServiceAccount' ? undefined : cached(ref));
    cluster.objects.set(key({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'agent', namespace: 'agent-p' }), foreign);
    await reconcilerOver(cluster)('p');
    assert.equal(cluster.objects.get(key({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'agent', namespace: 'agent-p' })), foreign, 'untouched');
    const status = cluster.statuses.at(-1);
    assert.equal(condition(status, 'AccessControlled')?.reason, 'ObjectConflict');
    assert.match(condition(status, 'AccessControlled')?.message ?? '', /ServiceAccount agent-p\/agent already exists and was not created by Bulkhead/);
    assert.equal(condition(status, 'Ready')?.status, 'False');
  });

  test('a writer that keeps widening an object gets a bounded number of repairs, then DriftContested naming it', async () => {
    const cluster = new FakeCluster();
    const reconcile = reconcilerOver(cluster);
    await reconcile('p');
    const ref = key({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'bulkhead-default-deny', namespace: 'agent-p' });
    cluster.policyObject = { ...cluster.policyObject, status: { ...(cluster.policyObject['status'] as object), observedGeneration: 1 } };
    let writes = 0;
    const update = cluster.update;
    cluster.update = async (object) => {
      writes += 1;
      return update(object);
    };
    let result: unknown;
    for (let round = 0; round < 8; round += 1) {
      const live = cluster.objects.get(ref) as KubeObject;
      cluster.objects.set(ref, { ...live, metadata: { ...live.metadata, resourceVersion: String(1000 + round) }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}] } });
      result = await reconcile('p');
    }
    assert.equal(writes, 5, 'five repairs, then it waits');
    const status = cluster.statuses.at(-1);
    assert.equal(condition(status, 'NetworkIsolated')?.reason, 'DriftContested');
    assert.match(condition(status, 'NetworkIsolated')?.message ?? '', /NetworkPolicy agent-p\/bulkhead-default-deny keeps being changed by another writer/);
    assert.ok((result as { requeueAfterMs?: number }).requeueAfterMs !== undefined, 'it comes back when the wait is over');
    assert.equal(cluster.events.filter((e) => e.startsWith('DriftRepaired')).length, 1, 'one Event for the whole fight');
  });

  test('a narrowed admission binding makes SandboxEnforced False even though every write succeeded', async () => {
    const cluster = new FakeCluster();
    const name = `${defaultOperatorConfig.agentPodsAdmissionPolicyName}-enforce`;
    const ref = key({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', name });
    const binding = cluster.installedObjects.get(ref) as KubeObject & { spec: Record<string, unknown> };
    cluster.installedObjects.set(ref, { ...binding, spec: { ...binding.spec, validationActions: ['Audit'] } });
    await reconcilerOver(cluster)('p');
    const status = cluster.statuses.at(-1);
    assert.equal(condition(status, 'SandboxEnforced')?.reason, 'AdmissionPolicyChanged');
    assert.match(condition(status, 'SandboxEnforced')?.message ?? '', /spec.validationActions/);
  });
});
