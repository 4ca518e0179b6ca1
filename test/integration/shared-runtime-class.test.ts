/**
 * A Managed RuntimeClass is one object shared by every policy naming it: each policy adds a non-controller
 * ownerReference, garbage collection removes the class with its last policy, and a policy asking for another handler
 * (or naming a class Bulkhead did not create) is a RuntimeClassConflict that applies nothing of its envelope.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';
import { exists } from '../support/api.ts';
import { PolicyClient, startTestOperator, type StoredPolicy, type TestOperator } from '../support/operator.ts';

const admin = adminKubeConfig();
const core = admin.makeApiClient(k8s.CoreV1Api);
const node = admin.makeApiClient(k8s.NodeV1Api);
const flowcontrol = admin.makeApiClient(k8s.FlowcontrolApiserverV1Api);
const policies = new PolicyClient(admin);

const readRuntimeClass = async (name: string): Promise<k8s.V1RuntimeClass | undefined> =>
  node.readRuntimeClass({ name }).catch((error: unknown) => {
    if (error instanceof k8s.ApiException && error.code === 404) return undefined;
    throw error;
  });

const ownerUids = (rc: k8s.V1RuntimeClass | undefined): string[] => (rc?.metadata?.ownerReferences ?? []).map((r) => r.uid).sort();

const namespaceExists = (name: string): Promise<boolean> => exists(() => core.readNamespace({ name }));

describe('shared RuntimeClass', () => {
  const runtimeClass = uniqueName('rc-shared');
  const [first, second, conflicting, foreignUser] = ['rc-a', 'rc-b', 'rc-c', 'rc-d'].map((p) => uniqueName(p)) as [string, string, string, string];
  const foreignClass = uniqueName('rc-foreign');
  const sandbox = (name: string, handler: string) => ({ sandbox: { runtimeClass: { name, handler } } });
  let operator: TestOperator;
  let a: StoredPolicy;
  let b: StoredPolicy;

  before(async () => {
    operator = await startTestOperator(admin);
  });

  after(async () => {
    for (const name of [first, second, conflicting, foreignUser]) await policies.delete(name).catch(() => undefined);
    for (const name of [first, second, conflicting, foreignUser]) await policies.waitGone(name);
    await node.deleteRuntimeClass({ name: foreignClass }).catch(() => undefined);
    await operator.stop();
  });

  test('two policies naming the same class share it: one object, both as non-controller owners', async () => {
    // Created together: both reconciles may find the class absent, and their applies must merge, not overwrite.
    [a, b] = await Promise.all([policies.create(first, sandbox(runtimeClass, 'runsc')), policies.create(second, sandbox(runtimeClass, 'runsc'))]);
    await Promise.all([policies.waitReady(first), policies.waitReady(second)]);
    const rc = await eventually('the RuntimeClass to carry both owners', async () => {
      const read = await readRuntimeClass(runtimeClass);
      return ownerUids(read).length === 2 ? read : undefined;
    });
    assert.equal(rc.handler, 'runsc');
    assert.deepEqual(ownerUids(rc), [a.metadata.uid, b.metadata.uid].sort());
    for (const ref of rc.metadata?.ownerReferences ?? []) {
      assert.equal(ref.kind, 'AgentPolicy');
      assert.equal(ref.controller, false, `${ref.name} is an owner, not the controller`);
    }
    assert.equal(rc.metadata?.labels?.['app.kubernetes.io/managed-by'], 'bulkhead');
  });

  test('a third policy naming the class with another handler is a RuntimeClassConflict and applies nothing', async () => {
    await policies.create(conflicting, sandbox(runtimeClass, 'kata'));
    const blocked = await policies.waitCondition(conflicting, 'SandboxEnforced', 'False', 'RuntimeClassConflict');
    const condition = blocked.status?.conditions?.find((c) => c.type === 'SandboxEnforced');
    assert.match(condition?.message ?? '', /handler runsc, not kata/);
    assert.equal(blocked.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.equal(await namespaceExists(`agent-${conflicting}`), false, 'its namespace was not created');
    assert.equal(await exists(() => flowcontrol.readFlowSchema({ name: `bulkhead-${conflicting}` })), false);
    const rc = await readRuntimeClass(runtimeClass);
    assert.equal(rc?.handler, 'runsc', 'the class was not overwritten');
    assert.deepEqual(ownerUids(rc), [a.metadata.uid, b.metadata.uid].sort(), 'the conflicting policy did not become an owner');
  });

  test('an existing RuntimeClass not created by Bulkhead is a conflict too, and stays untouched', async () => {
    const created = await node.createRuntimeClass({ body: { metadata: { name: foreignClass }, handler: 'runsc' } });
    await policies.create(foreignUser, sandbox(foreignClass, 'runsc'));
    const blocked = await policies.waitCondition(foreignUser, 'SandboxEnforced', 'False', 'RuntimeClassConflict');
    assert.match(blocked.status?.conditions?.find((c) => c.type === 'SandboxEnforced')?.message ?? '', /not managed by Bulkhead/);
    assert.equal(await namespaceExists(`agent-${foreignUser}`), false, 'its namespace was not created');
    const rc = await readRuntimeClass(foreignClass);
    assert.equal(rc?.metadata?.resourceVersion, created.metadata?.resourceVersion, 'the foreign class was not written');
    assert.deepEqual(rc?.metadata?.ownerReferences ?? [], []);
  });

  test('a policy moving to another class releases the shared one (without deleting it) and deletes its own', async () => {
    const other = `${runtimeClass}-2`;
    await policies.patchSpec(second, sandbox(other, 'runsc'));
    await policies.waitReady(second);
    const released = await eventually('the shared class to keep only the first owner', async () => {
      const read = await readRuntimeClass(runtimeClass);
      return read !== undefined && ownerUids(read).length === 1 ? read : undefined;
    });
    assert.deepEqual(ownerUids(released), [a.metadata.uid]);
    assert.deepEqual(ownerUids(await readRuntimeClass(other)), [b.metadata.uid]);

    // And back: the second class had no other owner, so it is deleted, and the shared one is shared again.
    await policies.patchSpec(second, sandbox(runtimeClass, 'runsc'));
    await policies.waitReady(second);
    await eventually('the shared class to carry both owners again', async () =>
      ownerUids(await readRuntimeClass(runtimeClass)).length === 2 ? true : undefined,
    );
    await eventually(`RuntimeClass ${other} to be pruned`, async () => ((await readRuntimeClass(other)) === undefined ? true : undefined));
  });

  test('deleting one policy keeps the class, with the other policy as its only owner', async () => {
    await policies.delete(first);
    await policies.waitGone(first);
    const rc = await eventually('garbage collection to drop the deleted owner', async () => {
      const read = await readRuntimeClass(runtimeClass);
      return read !== undefined && ownerUids(read).length === 1 ? read : undefined;
    });
    assert.deepEqual(ownerUids(rc), [b.metadata.uid]);
    // The remaining policy stays Ready, and the class is never deleted in between.
    await policies.waitReady(second);
    assert.ok(await readRuntimeClass(runtimeClass));
  });

  test('deleting the last policy removes the class (garbage collection)', async () => {
    await policies.delete(second);
    await policies.waitGone(second);
    await eventually('the RuntimeClass to be garbage-collected', async () =>
      (await readRuntimeClass(runtimeClass)) === undefined ? true : undefined,
    );
  });
});
