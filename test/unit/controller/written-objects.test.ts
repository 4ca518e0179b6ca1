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

test("an event of exactly the written version is the operator's own write coming back: it wakes nobody, and the copy is dropped", () => {
  const written = new WrittenObjects();
  written.remember(at('20'));
  assert.equal(written.ownEvent(at('19')), false, 'an older version (another writer before the write) still wakes the policy');
  assert.equal(written.ownEvent(at('20')), true);
  assert.equal(written.freshest(ref, at('19'))?.metadata.resourceVersion, '19', 'the written copy is gone once the cache has it');
  assert.equal(written.ownEvent(at('20')), false, 'the same event twice (a relist) is not taken for a new write');
  written.remember(at('30'));
  assert.equal(written.ownEvent(at('31')), false, "a newer version is somebody else's");
  written.remember(at('40'));
  assert.equal(written.ownEvent(at('40', 'other')), false, 'another object under the same name');
});

test('two writes in one pass (a finalizer, then a status): both events come back as own writes', () => {
  const written = new WrittenObjects();
  written.remember(at('50'));
  written.remember(at('51'));
  assert.equal(written.ownEvent(at('50')), true);
  assert.equal(written.ownEvent(at('51')), true);
  assert.equal(written.ownEvent(at('51')), false, 'forgotten once the cache caught up');
});
