import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingReasons, widening } from '../../../src/audit/finding.ts';
import { isolationObservation, isolationOrStored, wideningsByKind } from '../../../src/controller/isolation.ts';

const foreignBinding = widening('identity', findingReasons.foreignBinding, { kind: 'ClusterRoleBinding', name: 'agent-view' }, 'grants ClusterRole view cluster-wide');
const foreignSecret = widening('secrets', findingReasons.foreignSecret, { kind: 'Secret', namespace: 'agent-x', name: 'handmade' }, 'no SealedSecret produced it');

test('Isolated: True without widenings, Unknown before the first audit or when it failed', () => {
  assert.equal(isolationObservation({ findings: [] }).status, 'True');
  assert.equal(isolationObservation({ findings: [] }).reason, 'NoWidening');
  assert.deepEqual(isolationObservation(undefined), {
    status: 'Unknown',
    reason: 'NotAudited',
    message: 'the isolation audit has not covered this policy yet',
  });
  assert.equal(isolationObservation({ problem: 'forbidden' }).message, 'forbidden');
});

test('Isolated=False carries the first reason and names every object', () => {
  const observed = isolationObservation({ findings: [foreignBinding, foreignSecret] });
  assert.equal(observed.status, 'False');
  assert.equal(observed.reason, 'ForeignBinding');
  assert.equal(
    observed.message,
    '2 widenings: ClusterRoleBinding agent-view: grants ClusterRole view cluster-wide; Secret agent-x/handmade: no SealedSecret produced it',
  );
});

test('a long list is cut at a readable length and says how many more there are', () => {
  const many = Array.from({ length: 100 }, (_, i) =>
    widening('runtime', findingReasons.unsandboxedPod, { kind: 'Pod', namespace: 'agent-x', name: `pod-${i}` }, 'runs on no RuntimeClass'),
  );
  const observed = isolationObservation({ findings: many });
  assert.ok(observed.message.length <= 1024, String(observed.message.length));
  assert.match(observed.message, /^100 widenings: Pod agent-x\/pod-0: .*; and \d+ more \(bulkhead audit lists them\)$/);
});

test('widenings are counted by the kind of object that causes them', () => {
  assert.deepEqual(wideningsByKind([[foreignBinding, foreignSecret], [foreignSecret]]), { ClusterRoleBinding: 1, Secret: 2 });
});

test('before the audit covers a policy, the Isolated condition it already carries stands (no write on restart)', () => {
  const stored = { conditions: [{ type: 'Isolated', status: 'False', reason: 'ForeignSecret', message: '1 widening: Secret x/y' }] };
  assert.deepEqual(isolationOrStored(undefined, stored), { status: 'False', reason: 'ForeignSecret', message: '1 widening: Secret x/y' });
  assert.equal(isolationOrStored(undefined, undefined).reason, 'NotAudited');
  assert.equal(isolationOrStored(isolationObservation({ findings: [] }), stored).status, 'True');
});
