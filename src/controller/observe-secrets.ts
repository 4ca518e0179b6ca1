/**
 * SecretsSynced: what the Sealed Secrets controller says about each of the policy's SealedSecrets, as this pass's
 * write returned it, else as cached. A SealedSecret's `Synced` condition counts only when it is current: the
 * controller's status is about the generation it last processed (status.observedGeneration), and the object must
 * carry the ciphertext the policy asks for (a cache that has not seen the write yet does not). Until then the secret
 * is in progress, so a rotation is never reported as done on the strength of the old value's success.
 */
import type { ISealedSecret } from '@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1/SealedSecret';
import { conditionReasons } from '../api/v1alpha1/conditions.ts';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy, SecretSpec } from '../api/v1alpha1/schema.ts';
import type { EnvelopeApplied } from './apply-envelope.ts';
import type { Observed } from './conditions.ts';
import type { ClusterReader, KubeObject } from './ports.ts';

const apiVersion = 'bitnami.com/v1alpha1';
const kind = 'SealedSecret';

type SecretState = { readonly state: 'synced' } | { readonly state: 'pending'; readonly why: string } | { readonly state: 'failed'; readonly message: string };

export function observeSecrets(policy: AgentPolicy, applied: EnvelopeApplied, reader: ClusterReader): Observed {
  const secrets = policy.spec.secrets;
  if (secrets.length === 0) return { status: 'True', reason: conditionReasons.noSecrets, message: 'the policy has no secrets' };
  if (applied.outcomes.some((o) => o.result === 'unserved' && o.object.kind === kind)) {
    return {
      status: 'False',
      reason: conditionReasons.sealedSecretsUnavailable,
      message: `the SealedSecret kind (${apiVersion}) is not served: install the Sealed Secrets controller`,
    };
  }
  const namespace = agentNamespaceName(policy);
  const pending: string[] = [];
  const current = new Map<string, KubeObject>();
  for (const outcome of applied.outcomes) {
    if ((outcome.result === 'written' || outcome.result === 'unchanged') && outcome.object.kind === kind) current.set(outcome.object.metadata.name, outcome.current);
  }
  for (const secret of secrets) {
    const live = current.get(secret.name) ?? reader.cached({ apiVersion, kind, namespace, name: secret.name });
    const sealed = live as unknown as ISealedSecret | undefined;
    const observed = secretState(secret, sealed);
    // The controller's message says why unsealing failed (no key could decrypt, an unmanaged Secret of that name);
    // it names keys and objects, never a value.
    if (observed.state === 'failed') return { status: 'False', reason: conditionReasons.unsealFailed, message: `${secret.name}: ${observed.message}` };
    if (observed.state === 'pending') pending.push(`${secret.name} (${observed.why})`);
  }
  if (pending.length > 0) {
    return { status: 'Unknown', reason: conditionReasons.progressing, message: `waiting for the Sealed Secrets controller: ${pending.join(', ')}` };
  }
  return { status: 'True', reason: conditionReasons.reconciled, message: `${secrets.length} secrets unsealed in ${namespace}` };
}

/** One SealedSecret as the Sealed Secrets controller last reported it, if that report is about the current spec. */
export function secretState(secret: SecretSpec, sealed: ISealedSecret | undefined): SecretState {
  if (sealed === undefined) return { state: 'pending', why: 'not created yet' };
  if (!sameData(sealed.spec?.encryptedData, secret.encryptedData)) return { state: 'pending', why: 'new ciphertext not applied yet' };
  const generation = sealed.metadata?.generation;
  const observedGeneration = sealed.status?.observedGeneration;
  if (generation === undefined || observedGeneration !== generation) {
    return { state: 'pending', why: `generation ${generation ?? '?'} not processed yet` };
  }
  const synced = sealed.status?.conditions?.find((c) => c.type === 'Synced');
  if (synced?.status === 'True') return { state: 'synced' };
  if (synced?.status === 'False') return { state: 'failed', message: synced.message || 'not synced' };
  return { state: 'pending', why: 'no Synced condition yet' };
}

function sameData(live: Readonly<Record<string, string>> | undefined, desired: Readonly<Record<string, string>>): boolean {
  if (live === undefined) return false;
  const keys = Object.keys(desired);
  return keys.length === Object.keys(live).length && keys.every((k) => live[k] === desired[k]);
}
