/**
 * A Managed RuntimeClass is one object shared by every policy naming it, and nothing on it grows with them: one field
 * manager, no per-policy ownerReference or label. The operator's RuntimeClass collector deletes it when no policy
 * names it any more, and a policy asking for another handler (or naming a class Bulkhead did not create) is a
 * RuntimeClassConflict that applies nothing of its envelope.
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

const applyManagers = (rc: k8s.V1RuntimeClass | undefined): string[] =>
  (rc?.metadata?.managedFields ?? []).filter((f) => f.operation === 'Apply').map((f) => f.manager ?? '').sort();

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

  test('two policies naming the same class share it: one object, one field manager, nothing per policy', async () => {
    // Created together: both reconciles may find the class absent; their applies are the same object.
    [a, b] = await Promise.all([policies.create(first, sandbox(runtimeClass, 'runsc')), policies.create(second, sandbox(runtimeClass, 'runsc'))]);
    await Promise.all([policies.waitReady(first), policies.waitReady(second)]);
    const rc = await readRuntimeClass(runtimeClass);
    assert.equal(rc?.handler, 'runsc');
    assert.equal(rc?.metadata?.ownerReferences, undefined);
    assert.deepEqual(rc?.metadata?.labels, { 'app.kubernetes.io/managed-by': 'bulkhead' });
    assert.deepEqual(applyManagers(rc), ['bulkhead']);
    assert.notEqual(a.metadata.uid, b.metadata.uid);
  });

  test('a third policy naming the class with another handler is a RuntimeClassConflict and applies nothing', async () => {
    await policies.create(conflicting, sandbox(runtimeClass, 'kata'));
    const blocked = await policies.waitCondition(conflicting, 'SandboxEnforced', 'False', 'RuntimeClassConflict');
    const condition = blocked.status?.conditions?.find((c) => c.type === 'SandboxEnforced');
    assert.match(condition?.message ?? '', new RegExp(`shared with AgentPolicy (${first}|${second}), which wants it as it is \\(handler runsc, not kata\\)`));
    assert.equal(blocked.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.equal(await namespaceExists(`agent-${conflicting}`), false, 'its namespace was not created');
    assert.equal(await exists(() => flowcontrol.readFlowSchema({ name: `bulkhead-${conflicting}` })), false);
    const rc = await readRuntimeClass(runtimeClass);
    assert.equal(rc?.handler, 'runsc', 'the class was not overwritten');
    assert.deepEqual(applyManagers(rc), ['bulkhead']);
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

  test('a policy moving to another class leaves the shared one, and the class nobody names is collected', async () => {
    const other = `${runtimeClass}-2`;
    await policies.patchSpec(second, sandbox(other, 'runsc'));
    await policies.waitReady(second);
    assert.ok(await readRuntimeClass(other));
    assert.ok(await readRuntimeClass(runtimeClass), 'the first policy still names the shared class');

    // And back: nobody names the second class any more, so the collector deletes it.
    await policies.patchSpec(second, sandbox(runtimeClass, 'runsc'));
    await policies.waitReady(second);
    await eventually(`RuntimeClass ${other} to be collected`, async () => ((await readRuntimeClass(other)) === undefined ? true : undefined));
  });

  test('deleting one policy keeps the class; deleting the last removes it', async () => {
    await policies.delete(first);
    await policies.waitGone(first);
    await policies.waitReady(second);
    assert.ok(await readRuntimeClass(runtimeClass), 'still named by the second policy');
    await policies.delete(second);
    await policies.waitGone(second);
    // The conflicting policy names it too; the class goes only when it is gone as well.
    assert.ok(await readRuntimeClass(runtimeClass));
    await policies.delete(conflicting);
    await policies.waitGone(conflicting);
    await eventually('the RuntimeClass to be collected', async () => ((await readRuntimeClass(runtimeClass)) === undefined ? true : undefined));
  });

  test('a hand-edited shared class is repaired for every policy naming it', async () => {
    const name = uniqueName('rc-edit');
    const className = uniqueName('rc-edited');
    await policies.create(name, sandbox(className, 'runsc'));
    await policies.waitReady(name);
    await node.patchRuntimeClass(
      { name: className, body: { scheduling: { nodeSelector: { pool: 'anything' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually('the class to be restored', async () => ((await readRuntimeClass(className))?.scheduling === undefined ? true : undefined));
    await policies.delete(name);
    await policies.waitGone(name);
  });
});
