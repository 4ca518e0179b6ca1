import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { claimNamespace, claimRuntimeClass, isOwnedBy } from '../../../src/controller/ownership.ts';

const policy = { name: 'research', uid: 'uid-1' };
const ours = { kind: 'AgentPolicy', name: 'research', uid: 'uid-1' };
const theirs = { kind: 'AgentPolicy', name: 'other', uid: 'uid-2' };
const managed = { 'app.kubernetes.io/managed-by': 'bulkhead' };

describe('ownership', () => {
  test('the ownerReference UID decides, not the name', () => {
    assert.equal(isOwnedBy({ metadata: { ownerReferences: [ours] } }, 'uid-1'), true);
    assert.equal(isOwnedBy({ metadata: { ownerReferences: [{ ...ours, uid: 'uid-old' }] } }, 'uid-1'), false);
    assert.equal(isOwnedBy({ metadata: {} }, 'uid-1'), false);
  });

  test('namespace: absent, owned, adoptable, or a conflict that says why', () => {
    assert.deepEqual(claimNamespace(undefined, policy, 'agent-research'), { outcome: 'absent' });
    assert.deepEqual(claimNamespace({ metadata: { ownerReferences: [ours] } }, policy, 'ns'), { outcome: 'owned' });
    assert.deepEqual(
      claimNamespace({ metadata: { annotations: { 'bulkhead.dev/adopt': 'research' } } }, policy, 'ns'),
      { outcome: 'adoptable' },
    );
    const foreign = claimNamespace({ metadata: { annotations: { 'bulkhead.dev/adopt': 'someone-else' } } }, policy, 'ns');
    assert.equal(foreign.outcome, 'conflict');
    assert.match((foreign as { message: string }).message, /annotate it bulkhead.dev\/adopt=research/);
    const other = claimNamespace({ metadata: { labels: managed, ownerReferences: [theirs] } }, policy, 'ns');
    assert.match((other as { message: string }).message, /belongs to AgentPolicy other/);
  });

  test('runtime class: shared among Bulkhead policies that want the same class; a change only when nobody else wants it as it is', () => {
    const want = { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor', labels: managed }, handler: 'runsc' };
    const nobody = (): undefined => undefined;
    assert.deepEqual(claimRuntimeClass(undefined, want, nobody), { outcome: 'absent' });
    const live = { metadata: { name: 'gvisor', labels: managed }, handler: 'runsc' };
    assert.deepEqual(claimRuntimeClass(live, want, () => assert.fail('not asked when the class is as wanted')), { outcome: 'shared' });
    assert.deepEqual(claimRuntimeClass({ ...live, handler: 'kata' }, want, nobody), { outcome: 'shared' }, 'the only user may change it');
    const otherHandler = claimRuntimeClass({ ...live, handler: 'kata' }, want, () => 'other-policy');
    assert.match((otherHandler as { message: string }).message, /shared with AgentPolicy other-policy, which wants it as it is \(handler kata, not runsc\)/);
    const foreign = claimRuntimeClass({ metadata: { name: 'gvisor' }, handler: 'runsc' }, want, nobody);
    assert.match((foreign as { message: string }).message, /not managed by Bulkhead/);
  });
});
