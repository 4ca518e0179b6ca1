/**
 * After the pass: what each aspect of the envelope looks like on the cluster, as condition observations. An aspect
 * is True only when every object it covers is on the cluster exactly as the policy says (the object the server
 * returned for a write, else the cache, compared with the same equality as drift repair), nothing the policy no
 * longer wants is left behind, and the chart's admission objects are as installed. "The apply returned 200" is
 * never the evidence. Reads only the caches.
 */
import { conditionReasons } from '../api/v1alpha1/conditions.ts';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { driftOf, type ObjectLike } from '../envelope/drift.ts';
import type { EnvelopeApplied, ObjectOutcome } from './apply-envelope.ts';
import { aspectOf, describeObject, type Aspect } from './aspects.ts';
import type { Observations, Observed } from './conditions.ts';
import { observeAdmission } from './observe-admission.ts';
import { observeSecrets } from './observe-secrets.ts';
import { fieldManager } from '../kube/apply.ts';
import type { ClusterReader, KubeObject } from './ports.ts';
import { pruneCandidates, type EnvelopePruned } from './prune.ts';

export interface EnvelopeObserved {
  readonly observations: Observations;
  /** Look again after this long: something outside the policy is missing and sends no event when it appears. */
  readonly recheckAfterMs?: number;
}

const recheckMs = 60_000;
const reconciled = (message: string): Observed => ({ status: 'True', reason: conditionReasons.reconciled, message });

/** The first problem found per aspect; False outranks Unknown. */
class Problems {
  readonly #found = new Map<Aspect, Observed>();

  add(aspect: Aspect, observed: Observed): void {
    const before = this.#found.get(aspect);
    if (before === undefined || (before.status === 'Unknown' && observed.status === 'False')) this.#found.set(aspect, observed);
  }

  get(aspect: Aspect): Observed | undefined {
    return this.#found.get(aspect);
  }
}

function outcomeProblem(outcome: ObjectOutcome): Observed | undefined {
  const what = describeObject(outcome.object);
  switch (outcome.result) {
    case 'failed':
      return { status: 'False', reason: conditionReasons.applyFailed, message: `${what}: ${outcome.error.message}` };
    case 'skipped':
      return { status: 'Unknown', reason: conditionReasons.progressing, message: `${what} not written: ${describeObject(outcome.because)} failed` };
    case 'unserved':
      return undefined; // SealedSecret without its CRD: observeSecrets says so
    case 'conflict':
      return { status: 'False', reason: conditionReasons.objectConflict, message: outcome.message };
    case 'deferred':
      return {
        status: 'False',
        reason: conditionReasons.driftContested,
        message: `${what} keeps being changed by another writer (at ${outcome.path}; repaired ${outcome.repairs} times in the last minute): next repair in ${Math.ceil(outcome.delayMs / 1000)} s`,
      };
    case 'unchanged':
    case 'written': {
      const drift = driftOf(outcome.object as ObjectLike, outcome.current as ObjectLike, fieldManager);
      if (drift === undefined) return undefined;
      const field = drift.path === '' ? '' : ` at ${drift.path}`;
      return { status: 'False', reason: conditionReasons.drifted, message: `${what} differs from the policy${field} after the write` };
    }
  }
}

export async function observeEnvelope(
  policy: AgentPolicy,
  config: OperatorConfig,
  desired: readonly KubeObject[],
  applied: EnvelopeApplied,
  pruned: EnvelopePruned | undefined,
  reader: ClusterReader,
): Promise<EnvelopeObserved> {
  const spec = policy.spec;
  const problems = new Problems();
  for (const outcome of applied.outcomes) {
    const problem = outcomeProblem(outcome);
    if (problem !== undefined) problems.add(aspectOf(outcome.object.kind), problem);
  }
  for (const { object, error } of pruned?.failed ?? []) {
    problems.add(aspectOf(object.kind), {
      status: 'False',
      reason: conditionReasons.pruneFailed,
      message: `${describeObject(object)} is no longer wanted and could not be removed: ${error.message}`,
    });
  }
  // Leftovers the prune step never reached (it failed as a whole) still widen the envelope.
  const removed = new Set(pruned?.removed ?? []);
  const attempted = new Set((pruned?.failed ?? []).map((f) => f.object));
  for (const { object } of pruneCandidates(policy.metadata.uid ?? '', desired, reader.ownedBy(policy.metadata.uid ?? ''))) {
    if (removed.has(object) || attempted.has(object)) continue;
    problems.add(aspectOf(object.kind), {
      status: 'False',
      reason: conditionReasons.pruneFailed,
      message: `${describeObject(object)} is no longer wanted and is still on the cluster`,
    });
  }

  let recheckAfterMs: number | undefined;
  const sandbox = observeSandbox(policy, config, reader);
  if (sandbox !== undefined) {
    problems.add('SandboxEnforced', sandbox);
    if (sandbox.reason === conditionReasons.runtimeClassNotFound) recheckAfterMs = recheckMs;
  }
  const secrets = observeSecrets(policy, applied, reader);
  if (secrets.reason === conditionReasons.sealedSecretsUnavailable) recheckAfterMs = recheckMs;

  const namespace = agentNamespaceName(policy);
  const observations: Observations = {
    NamespaceReady:
      problems.get('NamespaceReady') ?? reconciled(`namespace ${namespace}, Pod Security ${spec.podSecurity.level}, with quota and limits`),
    SandboxEnforced: problems.get('SandboxEnforced') ?? reconciled(`agent pods must run on RuntimeClass ${spec.sandbox.runtimeClass.name}`),
    NetworkIsolated:
      problems.get('NetworkIsolated') ??
      reconciled(
        `default deny; ${spec.network.egress.length} egress and ${spec.network.ingress.length} ingress allowances; DNS ${spec.network.dns.enabled ? 'allowed' : 'denied'}`,
      ),
    AccessControlled:
      problems.get('AccessControlled') ??
      reconciled(
        `ServiceAccount ${spec.rbac.serviceAccountName} with ${spec.rbac.rules.length} rules and ${spec.rbac.clusterRoles.length} cluster roles${spec.apiRateLimit.enabled ? ', API requests rate limited' : ''}`,
      ),
    SecretsSynced: problems.get('SecretsSynced') ?? secrets,
  };
  return { observations, ...(recheckAfterMs === undefined ? {} : { recheckAfterMs }) };
}

/** Every aspect Unknown: the pass could not look at the cluster (the error is joined into the reconcile's). */
export function unobserved(error: Error): Observations {
  const observed: Observed = { status: 'Unknown', reason: conditionReasons.observeFailed, message: error.message };
  return { NamespaceReady: observed, SandboxEnforced: observed, NetworkIsolated: observed, AccessControlled: observed, SecretsSynced: observed };
}

function observeSandbox(policy: AgentPolicy, config: OperatorConfig, reader: ClusterReader): Observed | undefined {
  const { runtimeClass, enforcement } = policy.spec.sandbox;
  if (runtimeClass.management === 'External') {
    if (reader.runtimeClass(runtimeClass.name) === undefined) {
      return {
        status: 'False',
        reason: conditionReasons.runtimeClassNotFound,
        message: `External RuntimeClass ${runtimeClass.name} does not exist on this cluster: agent pods cannot start`,
      };
    }
  }
  if (enforcement === 'Disabled') {
    return { status: 'False', reason: conditionReasons.enforcementDisabled, message: 'no admission rules bind agent pods', intended: true };
  }
  const admission = observeAdmission(config.agentPodsAdmissionPolicyName, enforcement, reader);
  if (admission !== undefined) return admission;
  if (enforcement === 'Audit') {
    return {
      status: 'False',
      reason: conditionReasons.auditOnly,
      message: `pods off RuntimeClass ${runtimeClass.name} are audited and warned about, not denied`,
      intended: true,
    };
  }
  return undefined;
}
