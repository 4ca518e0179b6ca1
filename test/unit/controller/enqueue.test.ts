import assert from 'node:assert/strict';
import { test } from 'node:test';
import { owningPolicies } from '../../../src/controller/enqueue.ts';

test('an owned object leads to every AgentPolicy owning it, and to its policy label', () => {
  const ref = (name: string, kind = 'AgentPolicy', apiVersion = 'bulkhead.dev/v1alpha1') => ({ apiVersion, kind, name, uid: `u-${name}` });
  assert.deepEqual(owningPolicies({ metadata: { name: 'rc', ownerReferences: [ref('a'), ref('b')] } }), ['a', 'b']);
  assert.deepEqual(
    owningPolicies({ metadata: { name: 'np', labels: { 'bulkhead.dev/policy': 'a' }, ownerReferences: [ref('a'), ref('x', 'Deployment', 'apps/v1')] } }),
    ['a'],
  );
  assert.deepEqual(owningPolicies({ metadata: { name: 'np', labels: { 'bulkhead.dev/policy': 'c' } } }), ['c']);
  assert.deepEqual(owningPolicies({ metadata: { name: 'foreign' } }), []);
});
