import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentPolicy } from '../../../src/api/v1alpha1/schema.ts';
import type { EnvelopeApplied } from '../../../src/controller/apply-envelope.ts';
import { observeSecrets } from '../../../src/controller/observe-secrets.ts';
import type { ClusterReader, KubeObject, ObjectRef } from '../../../src/controller/ports.ts';
import { parseAgentPolicy } from '../../../src/validation/validate.ts';

function policy(secrets: { name: string; encryptedData: Record<string, string> }[]): AgentPolicy {
  const parsed = parseAgentPolicy({ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'p' }, spec: { secrets } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.policy;
}

const applied: EnvelopeApplied = { outcomes: [], writes: 0, errors: [] };
const data = { K: 'AgB4' };

interface Live {
  generation?: number;
  observedGeneration?: number;
  synced?: { status: string; message?: string };
  encryptedData?: Record<string, string>;
}

/** A SealedSecret in agent-p as the API server would hold it. */
function sealedSecret(name: string, entry: Live): KubeObject {
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name, namespace: 'agent-p', ...(entry.generation === undefined ? {} : { generation: entry.generation }) },
    spec: { encryptedData: entry.encryptedData ?? data },
    status: {
      ...(entry.observedGeneration === undefined ? {} : { observedGeneration: entry.observedGeneration }),
      conditions: entry.synced === undefined ? [] : [{ type: 'Synced', ...entry.synced }],
    },
  };
}

/** A reader whose cache holds SealedSecrets in agent-p as given; only `cached` is used. */
function reader(live: Record<string, Live>): ClusterReader {
  const cached = (ref: ObjectRef): KubeObject | undefined => {
    const entry = live[ref.name];
    if (entry === undefined || ref.kind !== 'SealedSecret' || ref.namespace !== 'agent-p') return undefined;
    return sealedSecret(ref.name, entry);
  };
  const unused = (): never => assert.fail('not used by observeSecrets');
  return { cached, policy: unused, ownedBy: unused, serves: unused, read: unused, clusterRoleRules: unused, installed: unused, policiesNamingRuntimeClass: unused, runtimeClass: unused };
}

test('no secrets: True, NoSecrets', () => {
  const observed = observeSecrets(policy([]), applied, reader({}));
  assert.deepEqual([observed.status, observed.reason], ['True', 'NoSecrets']);
});

test('the SealedSecret kind not served: False, SealedSecretsUnavailable', () => {
  const p = policy([{ name: 'a', encryptedData: data }]);
  const object = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'a' } };
  const observed = observeSecrets(p, { outcomes: [{ object, result: 'unserved' }], writes: 0, errors: [] }, reader({}));
  assert.deepEqual([observed.status, observed.reason], ['False', 'SealedSecretsUnavailable']);
  assert.match(observed.message, /install the Sealed Secrets controller/);
});

test('True only when every SealedSecret is Synced for its current generation and ciphertext', () => {
  const p = policy([{ name: 'a', encryptedData: data }, { name: 'b', encryptedData: data }]);
  const synced = { generation: 2, observedGeneration: 2, synced: { status: 'True' } };
  const observed = observeSecrets(p, applied, reader({ a: synced, b: synced }));
  assert.deepEqual([observed.status, observed.reason, observed.message], ['True', 'Reconciled', '2 secrets unsealed in agent-p']);
});

test('a status about an older generation does not count: Progressing, not True', () => {
  const p = policy([{ name: 'a', encryptedData: data }]);
  const observed = observeSecrets(p, applied, reader({ a: { generation: 3, observedGeneration: 2, synced: { status: 'True' } } }));
  assert.deepEqual([observed.status, observed.reason], ['Unknown', 'Progressing']);
  assert.match(observed.message, /a \(generation 3 not processed yet\)/);
  const stale = observeSecrets(p, applied, reader({ a: { generation: 3, observedGeneration: 2, synced: { status: 'False', message: 'old failure' } } }));
  assert.equal(stale.status, 'Unknown', 'an old failure does not count either');
});

test('a cached SealedSecret with other ciphertext than the policy (a rotation not yet seen) is Progressing', () => {
  const p = policy([{ name: 'a', encryptedData: { K: 'AgNE' } }]);
  const observed = observeSecrets(p, applied, reader({ a: { generation: 1, observedGeneration: 1, synced: { status: 'True' } } }));
  assert.deepEqual([observed.status, observed.reason], ['Unknown', 'Progressing']);
  assert.match(observed.message, /new ciphertext not applied yet/);
});

test('the object this pass wrote wins over a cache that has not seen the write yet', () => {
  const p = policy([{ name: 'a', encryptedData: data }]);
  const stale = reader({ a: { generation: 1, observedGeneration: 1, synced: { status: 'True' } } });
  const written = sealedSecret('a', { generation: 2, observedGeneration: 1, synced: { status: 'True' } });
  const outcome = { object: written, result: 'written' as const, current: written, drift: { path: '', repair: 'apply' as const }, repaired: false };
  const observed = observeSecrets(p, { outcomes: [outcome], writes: 1, errors: [] }, stale);
  assert.deepEqual([observed.status, observed.message], ['Unknown', 'waiting for the Sealed Secrets controller: a (generation 2 not processed yet)']);
});

test('missing, or not yet reported: Progressing, naming each secret', () => {
  const p = policy([{ name: 'a', encryptedData: data }, { name: 'b', encryptedData: data }]);
  const observed = observeSecrets(p, applied, reader({ b: { generation: 1 } }));
  assert.deepEqual([observed.status, observed.reason], ['Unknown', 'Progressing']);
  assert.match(observed.message, /a \(not created yet\), b \(generation 1 not processed yet\)/);
  const noCondition = observeSecrets(p, applied, reader({ a: { generation: 1, observedGeneration: 1 }, b: { generation: 1, observedGeneration: 1 } }));
  assert.match(noCondition.message, /no Synced condition yet/);
});

test('an unseal failure names the secret and carries the controller message', () => {
  const p = policy([{ name: 'a', encryptedData: data }, { name: 'b', encryptedData: data }]);
  const observed = observeSecrets(
    p,
    applied,
    reader({
      a: { generation: 1, observedGeneration: 1, synced: { status: 'True' } },
      b: { generation: 1, observedGeneration: 1, synced: { status: 'False', message: 'no key could decrypt secret (K)' } },
    }),
  );
  assert.deepEqual([observed.status, observed.reason, observed.message], ['False', 'UnsealFailed', 'b: no key could decrypt secret (K)']);
});
