/**
 * After applying: what each aspect of the envelope looks like, as condition observations. Reads only the cache, plus
 * one live read for an External RuntimeClass (the cluster provides it, so Bulkhead does not watch it).
 */
import { conditionReasons } from '../api/v1alpha1/conditions.ts';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { EnvelopeApplied } from './apply-envelope.ts';
import { aspectOf, describeObject, type Aspect } from './aspects.ts';
import type { Observations, Observed } from './conditions.ts';
import { observeSecrets } from './observe-secrets.ts';
import type { ClusterReader, KubeObject } from './ports.ts';

export interface EnvelopeObserved {
  readonly observations: Observations;
  /** Look again after this long: something outside the policy is missing and sends no event when it appears. */
  readonly recheckAfterMs?: number;
}

const recheckMs = 60_000;
const reconciled = (message: string): Observed => ({ status: 'True', reason: conditionReasons.reconciled, message });

export async function observeEnvelope(
  policy: AgentPolicy,
  desired: readonly KubeObject[],
  applied: EnvelopeApplied,
  reader: ClusterReader,
): Promise<EnvelopeObserved> {
  const spec = policy.spec;
  const namespace = agentNamespaceName(policy);
  const observations: Record<Aspect, Observed> = {
    NamespaceReady: reconciled(`namespace ${namespace}, Pod Security ${spec.podSecurity.level}, with quota and limits`),
    SandboxEnforced: reconciled(`agent pods must run on RuntimeClass ${spec.sandbox.runtimeClass.name}`),
    NetworkIsolated: reconciled(
      `default deny; ${spec.network.egress.length} egress and ${spec.network.ingress.length} ingress allowances; DNS ${spec.network.dns.enabled ? 'allowed' : 'denied'}`,
    ),
    AccessControlled: reconciled(
      `ServiceAccount ${spec.rbac.serviceAccountName} with ${spec.rbac.rules.length} rules and ${spec.rbac.clusterRoles.length} cluster roles${spec.apiRateLimit.enabled ? ', API requests rate limited' : ''}`,
    ),
    SecretsSynced: await observeSecrets(policy, applied, reader),
  };
  let recheckAfterMs: number | undefined;

  const sandbox = await observeSandbox(policy, reader);
  if (sandbox !== undefined) {
    observations.SandboxEnforced = sandbox;
    if (sandbox.reason === conditionReasons.runtimeClassNotFound) recheckAfterMs = recheckMs;
  }
  if (observations.SecretsSynced.reason === conditionReasons.sealedSecretsUnavailable) recheckAfterMs = recheckMs;

  if (applied.failure !== undefined) {
    // The failed object's aspect is False; aspects of objects that were not reached yet are Unknown.
    const failedAt = desired.indexOf(applied.failure.object);
    for (const later of desired.slice(failedAt + 1)) {
      const aspect = aspectOf(later.kind);
      observations[aspect] = { status: 'Unknown', reason: conditionReasons.progressing, message: `${describeObject(later)} not applied yet` };
    }
    observations[applied.failure.aspect] = {
      status: 'False',
      reason: conditionReasons.applyFailed,
      message: `${describeObject(applied.failure.object)}: ${applied.failure.error.message}`,
    };
  }
  return { observations, ...(recheckAfterMs === undefined ? {} : { recheckAfterMs }) };
}

async function observeSandbox(policy: AgentPolicy, reader: ClusterReader): Promise<Observed | undefined> {
  const { runtimeClass, enforcement } = policy.spec.sandbox;
  if (runtimeClass.management === 'External') {
    const live = await reader.read({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name: runtimeClass.name });
    if (live === undefined) {
      return {
        status: 'False',
        reason: conditionReasons.runtimeClassNotFound,
        message: `External RuntimeClass ${runtimeClass.name} does not exist on this cluster: agent pods cannot start`,
      };
    }
  }
  if (enforcement === 'Audit') {
    return {
      status: 'False',
      reason: conditionReasons.auditOnly,
      message: `pods off RuntimeClass ${runtimeClass.name} are audited and warned about, not denied`,
      intended: true,
    };
  }
  if (enforcement === 'Disabled') {
    return { status: 'False', reason: conditionReasons.enforcementDisabled, message: 'no admission rules bind agent pods', intended: true };
  }
  return undefined;
}
