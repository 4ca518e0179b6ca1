/**
 * reconcile(policy name): the whole envelope, every time (level-triggered; it never asks what event woke it).
 * A short sequence of named steps: load from cache -> finalize if deleting -> ensure the finalizer -> validate ->
 * claim the namespace and runtime class -> apply the desired state in order -> prune -> observe -> report status.
 */
import type { Logger } from 'pino';
import { conditionReasons } from '../api/v1alpha1/conditions.ts';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { desiredState } from '../desired/desired-state.ts';
import { formatIssue } from '../validation/issues.ts';
import { validateAgentPolicy } from '../validation/validate.ts';
import { applyEnvelope, type ApplyMetrics } from './apply-envelope.ts';
import { claimEnvelope } from './claims.ts';
import { finalizerName, finalizePolicy } from './finalizer.ts';
import { observeEnvelope } from './observe.ts';
import type { Observations } from './conditions.ts';
import type { ClusterReader, ClusterWriter, KubeObject } from './ports.ts';
import { pruneEnvelope } from './prune.ts';
import { reportStatus } from './status.ts';
import type { ReconcileResult } from './workers.ts';

export interface ReconcilerDeps {
  readonly config: OperatorConfig;
  readonly reader: ClusterReader;
  readonly writer: ClusterWriter;
  readonly log: Logger;
  readonly now: () => Date;
  readonly metrics?: ApplyMetrics;
}

/** How soon to look again at a policy blocked by something outside it (a foreign namespace, a missing CRD). */
export const blockedRecheckMs = 60_000;

const everyAspect = (observed: { status: 'False' | 'Unknown'; reason: string; message: string }): Observations => ({
  NamespaceReady: observed,
  SandboxEnforced: observed,
  NetworkIsolated: observed,
  AccessControlled: observed,
  SecretsSynced: observed,
});

export function createReconciler(deps: ReconcilerDeps): (name: string) => Promise<ReconcileResult | void> {
  return async function reconcile(name: string): Promise<ReconcileResult | void> {
    const raw = deps.reader.policy(name);
    if (raw === undefined) return; // deleted: garbage collection removes what it owned
    const log = deps.log.child({ agentPolicy: name });

    if (raw.metadata.deletionTimestamp !== undefined) {
      await finalizePolicy(raw, deps, log);
      return;
    }
    await ensureFinalizer(raw, deps.writer);

    const policy = await validate(raw, deps);
    if (!policy.ok) {
      log.info({ problems: policy.problems }, 'invalid spec: nothing applied');
      await reportStatus(raw, deps, undefined, everyAspect({ status: 'False', reason: policy.reason, message: policy.message }));
      return policy.retry ? { requeueAfterMs: blockedRecheckMs } : undefined;
    }

    const namespace = agentNamespaceName(policy.value);
    const claim = await claimEnvelope(policy.value, deps.reader);
    if (claim !== undefined) {
      log.warn({ reason: claim.reason }, claim.message);
      await reportStatus(raw, deps, namespace, { ...everyAspect(dependencyBlocked), [claim.aspect]: claim.observed });
      return { requeueAfterMs: blockedRecheckMs };
    }

    const desired = desiredState(policy.value, deps.config) as unknown as KubeObject[];
    const applied = await applyEnvelope(policy.value, desired, deps, log);
    if (applied.failure === undefined) await pruneEnvelope(policy.value, desired, deps, log);
    const observed = await observeEnvelope(policy.value, desired, applied, deps.reader);
    await reportStatus(raw, deps, namespace, observed.observations);
    if (applied.failure !== undefined) throw applied.failure.error; // retried with per-key backoff
    return observed.recheckAfterMs === undefined ? undefined : { requeueAfterMs: observed.recheckAfterMs };
  };
}

const dependencyBlocked = {
  status: 'Unknown' as const,
  reason: conditionReasons.dependencyNotReady,
  message: 'waiting for the conflict to be resolved',
};

async function ensureFinalizer(raw: KubeObject, writer: ClusterWriter): Promise<void> {
  const finalizers = raw.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizerName)) await writer.setPolicyFinalizers(raw, [...finalizers, finalizerName]);
}

type Validated =
  | { readonly ok: true; readonly value: AgentPolicy }
  | { readonly ok: false; readonly reason: string; readonly message: string; readonly problems: string[]; readonly retry: boolean };

/** Schema and semantic validation against the ceiling ClusterRole as it is on the cluster now. */
async function validate(raw: KubeObject, deps: ReconcilerDeps): Promise<Validated> {
  const ceiling = await deps.reader.clusterRoleRules(deps.config.ceilingClusterRole);
  if (ceiling === undefined) {
    const message = `the permission ceiling ClusterRole ${deps.config.ceilingClusterRole} does not exist; install the chart's RBAC`;
    return { ok: false, reason: conditionReasons.ceilingExceeded, message, problems: [message], retry: true };
  }
  const result = validateAgentPolicy(raw, {
    config: deps.config,
    ceilingRules: ceiling,
  });
  if (result.ok) return { ok: true, value: result.policy };
  const problems = result.issues.map(formatIssue);
  return { ok: false, reason: conditionReasons.invalidSpec, message: problems.join('; '), problems, retry: false };
}
