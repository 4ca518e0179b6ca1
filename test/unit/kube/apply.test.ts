import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { applyPayload, deleteObserved, serverSideApply, type ObjectWriter } from '../../../src/kube/apply.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';

const desired = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: {
    name: 'bulkhead-ingress',
    namespace: 'agent-a',
    resourceVersion: '7',
    uid: 'u',
    creationTimestamp: '2025-01-01T00:00:00Z',
    managedFields: [{}],
    labels: { a: 'b' },
  },
  spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'x' } } }] }] },
  status: {},
};

function recordingWriter(fail?: unknown): { writer: ObjectWriter; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const writer = {
    patch: async (...args: unknown[]) => {
      calls.push(['patch', ...args]);
      if (fail !== undefined) throw fail;
      return args[0];
    },
    delete: async (...args: unknown[]) => {
      calls.push(['delete', ...args]);
      if (fail !== undefined) throw fail;
      return {};
    },
  } as unknown as ObjectWriter;
  return { writer, calls };
}

test('the apply payload drops status and server-owned metadata, keeping everything else', () => {
  const payload = applyPayload(desired);
  assert.deepEqual(payload.metadata, { name: 'bulkhead-ingress', namespace: 'agent-a', labels: { a: 'b' } });
  assert.equal('status' in payload, false);
  assert.deepEqual(payload.spec, desired.spec);
  assert.equal(desired.metadata.resourceVersion, '7', 'the input is not mutated');
});

test('serverSideApply patches with the apply content type, field manager bulkhead and force', async () => {
  const { writer, calls } = recordingWriter();
  await serverSideApply(writer, desired);
  const [, body, pretty, dryRun, manager, force, strategy] = calls[0]!;
  assert.equal((body as { metadata: object }).metadata !== desired.metadata, true);
  assert.equal('resourceVersion' in (body as { metadata: object }).metadata, false);
  assert.deepEqual([pretty, dryRun, manager, force, strategy], [undefined, undefined, 'bulkhead', true, PatchStrategy.ServerSideApply]);
  await serverSideApply(writer, desired, { dryRun: true });
  assert.equal(calls[1]![3], 'All');
});

test('the client serialises applied objects as plain JSON: NetworkPolicy ingress[].from survives', async () => {
  const { writer } = recordingWriter();
  await serverSideApply(writer, desired); // registers the kind
  const body = ObjectSerializer.serialize(applyPayload(desired), 'V1NetworkPolicy') as typeof desired;
  assert.deepEqual(body.spec.ingress, desired.spec.ingress);
});

test('apply failures become KubeApiErrors naming the object', async () => {
  const { writer } = recordingWriter(new ApiException(409, 'x', JSON.stringify({ reason: 'Conflict', message: 'conflict' }), {}));
  await assert.rejects(serverSideApply(writer, desired), (error: unknown) => {
    assert.ok(error instanceof KubeApiError);
    assert.equal(error.category, 'Conflict');
    assert.match(error.message, /^apply NetworkPolicy agent-a\/bulkhead-ingress: 409 Conflict/);
    return true;
  });
});

test('deleteObserved sends a UID precondition with background propagation; NotFound is "gone"', async () => {
  const target = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', uid: 'u-1' } };
  const { writer, calls } = recordingWriter();
  assert.equal(await deleteObserved(writer, target), 'deleted');
  const [, header, , , , , , body] = calls[0]!;
  assert.deepEqual(header as KubernetesObject, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } });
  assert.deepEqual(body, { propagationPolicy: 'Background', preconditions: { uid: 'u-1' } });

  const gone = recordingWriter(new ApiException(404, 'x', JSON.stringify({ reason: 'NotFound' }), {}));
  assert.equal(await deleteObserved(gone.writer, target), 'gone');
  const replaced = recordingWriter(new ApiException(409, 'x', JSON.stringify({ reason: 'Conflict', message: 'Precondition failed: UID in precondition: u-1, UID in object meta: u-2' }), {}));
  await assert.rejects(deleteObserved(replaced.writer, target), (e: unknown) => e instanceof KubeApiError && e.category === 'Conflict');
  await assert.rejects(deleteObserved(writer, { ...target, metadata: { ...target.metadata, uid: '' } }), TypeError);
});
