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

  test('runtime class: shared among Bulkhead policies with the same handler only', () => {
    assert.deepEqual(claimRuntimeClass(undefined, 'gvisor', 'runsc'), { outcome: 'absent' });
    const shared = { metadata: { labels: managed, ownerReferences: [theirs] }, handler: 'runsc' };
    assert.deepEqual(claimRuntimeClass(shared, 'gvisor', 'runsc'), { outcome: 'shared' });
    const otherHandler = claimRuntimeClass({ ...shared, handler: 'kata' }, 'gvisor', 'runsc');
    assert.match((otherHandler as { message: string }).message, /handler kata, not runsc/);
    const foreign = claimRuntimeClass({ metadata: {}, handler: 'runsc' }, 'gvisor', 'runsc');
    assert.match((foreign as { message: string }).message, /not managed by Bulkhead/);
  });
});
