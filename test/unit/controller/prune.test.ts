import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import { pruneCandidates } from '../../../src/controller/prune.ts';

const owner = (uid: string) => ({ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', name: `p-${uid}`, uid });
const object = (kind: string, name: string, owners: string[], apiVersion = 'v1', namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), uid: `${kind}-${name}`, ownerReferences: owners.map(owner) },
});

test('prunes owned objects no longer desired, never the namespace, and only releases a RuntimeClass others own', () => {
  const desired = [object('ServiceAccount', 'agent', ['me'], 'v1', 'ns'), object('Namespace', 'ns', ['me'])];
  const owned = [
    ...desired,
    object('Namespace', 'ns-old', ['me']),
    object('SealedSecret', 'removed', ['me'], 'bitnami.com/v1alpha1', 'ns'),
    object('RuntimeClass', 'shared', ['me', 'other'], 'node.k8s.io/v1'),
    object('RuntimeClass', 'mine-alone', ['me'], 'node.k8s.io/v1'),
  ];
  const candidates = pruneCandidates('me', desired, owned).map((c) => `${c.object.kind}/${c.object.metadata.name}`);
  // Never the namespace, never a RuntimeClass (the collector removes a class no policy names).
  assert.deepEqual(candidates, ['SealedSecret/removed']);
});

test('an object with the same name in another namespace is not the desired one', () => {
  const desired = [object('ConfigMap', 'x', ['me'], 'v1', 'a')];
  const owned = [object('ConfigMap', 'x', ['me'], 'v1', 'b')];
  assert.equal(pruneCandidates('me', desired, owned).length, 1);
});
