import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import { WrittenObjects } from '../../../src/controller/written-objects.ts';

const at = (resourceVersion: string, uid = 'u'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: 'agent', namespace: 'agent-a', uid, resourceVersion },
});
const ref = { apiVersion: 'v1', kind: 'ServiceAccount', name: 'agent', namespace: 'agent-a' };

test('the written version wins over an older cached one, until the cache catches up', () => {
  const written = new WrittenObjects();
  written.remember(at('20'));
  assert.equal(written.freshest(ref, at('19'))?.metadata.resourceVersion, '20', 'a pass woken by an older event');
  assert.equal(written.freshest(ref, at('21'))?.metadata.resourceVersion, '21', 'the cache caught up');
  assert.equal(written.freshest(ref, at('19'))?.metadata.resourceVersion, '19', 'and the written copy is forgotten');
});

test('the cache wins when it has no object (a deletion is never hidden), another uid, or no integer versions', () => {
  const written = new WrittenObjects();
  written.remember(at('20'));
  assert.equal(written.freshest(ref, undefined), undefined);
  written.remember(at('20'));
  assert.equal(written.freshest(ref, at('19', 'other'))?.metadata.uid, 'other');
  written.remember(at('20'));
  assert.equal(written.freshest(ref, at('opaque'))?.metadata.resourceVersion, 'opaque');
});
