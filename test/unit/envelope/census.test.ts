import assert from 'node:assert/strict';
import { test } from 'node:test';
import { censusDisagrees, censusQuotaName, isCensus } from '../../../src/envelope/census.ts';
import { onlyStatusChanged } from '../../../src/envelope/status-only.ts';

const census = (used?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: censusQuotaName, namespace: 'agent-a' },
  spec: { hard: { pods: '1000000', secrets: '1000000' } },
  ...(used === undefined ? {} : { status: { used } }),
});
const pod = (phase?: string) => ({ metadata: { name: 'p', namespace: 'agent-a' }, ...(phase === undefined ? {} : { status: { phase } }) });
const secret = { metadata: { name: 's', namespace: 'agent-a' } };

test('the census disagrees with a listing when a pod or Secret came or went; finished pods are not counted', () => {
  assert.equal(isCensus(census()), true);
  assert.equal(isCensus({ kind: 'ResourceQuota', metadata: { name: 'bulkhead' } }), false);
  assert.equal(censusDisagrees(census(), [pod()], []), false, 'not counted yet');
  assert.equal(censusDisagrees(census({ pods: '1', secrets: '0' }), [pod('Running'), pod('Succeeded')], []), false);
  assert.equal(censusDisagrees(census({ pods: '2', secrets: '0' }), [pod('Running')], []), true, 'a pod came');
  assert.equal(censusDisagrees(census({ pods: '0', secrets: '1' }), [], []), true, 'a Secret came');
  assert.equal(censusDisagrees(census({ pods: '0', secrets: '0' }), [], [secret]), true, 'a Secret went');
});

test('an update of status alone wakes nobody, unless the kind reports its status (SealedSecret)', () => {
  const before = { ...census({ pods: '0', secrets: '0' }), metadata: { ...census().metadata, resourceVersion: '1' } };
  const after = { ...census({ pods: '1', secrets: '0' }), metadata: { ...census().metadata, resourceVersion: '2' } };
  assert.equal(onlyStatusChanged(after, before), true);
  const relabelled = { ...after, metadata: { ...after.metadata, labels: { extra: 'x' } } };
  assert.equal(onlyStatusChanged(relabelled, before), false);
  const widened = { ...after, spec: { hard: { pods: '1' } } };
  assert.equal(onlyStatusChanged(widened, before), false);
  const sealed = (status: string) => ({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's' }, spec: {}, status: { conditions: [{ status }] } });
  assert.equal(onlyStatusChanged(sealed('True'), sealed('False')), false);
});
