/**
 * reconcile(policy name): the whole envelope, every time (level-triggered; it never asks what event woke it).
 * A short sequence of named steps: load from cache -> finalize if deleting -> ensure the finalizer -> validate ->
 * claim the namespace and runtime class -> write the desired state -> prune -> observe -> report status.
 *
 * Every step runs whatever happened before it (a failed write does not stop the prune; a failed prune does not stop
 * the observation), the errors are joined, and the status is written on every path, saying what failed: a stale
 * Ready=True never survives a failing pass. The joined error is thrown last, so the key is retried with backoff.
 */
import type { Logger } from 'pino';
import { conditionReasons } from '../api/v1alpha1/conditions.ts';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { desiredState } from '../desired/desired-state.ts';
import type { Drift } from '../envelope/drift.ts';
import { formatIssue } from '../validation/issues.ts';
import { validateAgentPolicy } from '../validation/validate.ts';
import { applyEnvelope, type ApplyMetrics } from './apply-envelope.ts';
import { describeObject } from './aspects.ts';
import { claimEnvelope } from './claims.ts';
import type { Observations } from './conditions.ts';
import { finalizerName, finalizePolicy } from './finalizer.ts';
import { isolationOrStored } from './isolation.ts';
import type { IsolationObserved } from './isolation-audit.ts';
import { observeEnvelope, unobserved, type EnvelopeObserved } from './observe.ts';
import type { ClusterReader, ClusterWriter, KubeObject } from './ports.ts';
import { pruneEnvelope, type EnvelopePruned } from './prune.ts';
import { reportStatus } from './status.ts';
import type { ReconcileResult } from './workers.ts';
import { WrittenObjects } from './written-objects.ts';
import { RepairBudget } from './repair-budget.ts';

export interface ReconcilerDeps {
  readonly config: OperatorConfig;
  readonly reader: ClusterReader;
  readonly writer: ClusterWriter;
  readonly log: Logger;
  readonly now: () => Date;
  readonly metrics?: ApplyMetrics;
  /**
   * The Isolated condition of a valid policy now (isolation-audit.ts); without this dependency the condition is not
   * reported. A pass that stops before it (an invalid spec, a conflict) keeps the stored condition.
   */
  readonly isolation?: (policy: AgentPolicy) => Promise<IsolationObserved>;
  /**
   * What this operator wrote, shared with the informers' handlers so that an event of its own write wakes nobody
   * (written-objects.ts); one per reconciler when not given.
   */
  readonly written?: WrittenObjects;
}

/** How soon to look again at a policy blocked by something outside it (a foreign namespace, a missing CRD). */
export const blockedRecheckMs = 60_000;

/** The errors of one pass, each saying which step it came from. */
export class ReconcileError extends AggregateError {
  override readonly name = 'ReconcileError';
}

const everyAspect = (observed: { status: 'False' | 'Unknown'; reason: string; message: string }): Observations => ({
  NamespaceReady: observed,
  SandboxEnforced: observed,
  NetworkIsolated: observed,
  AccessControlled: observed,
  SecretsSynced: observed,
});

const dependencyBlocked = {
  status: 'Unknown' as const,
  reason: conditionReasons.dependencyNotReady,
  message: 'waiting for the conflict to be resolved',
};

export function createReconciler(deps: ReconcilerDeps): (name: string) => Promise<ReconcileResult | void> {
  const written = deps.written ?? new WrittenObjects();
  const budget = new RepairBudget();
  return async function reconcile(name: string): Promise<ReconcileResult | void> {
    const raw = deps.reader.policy(name);
    if (raw === undefined) return; // deleted: garbage collection removes what it owned
    const log = deps.log.child({ agentPolicy: name });
    if (raw.metadata.deletionTimestamp !== undefined) {
      await finalizePolicy(raw, deps, log);
      return;
    }

    const errors: Error[] = [];
    /** Runs one step; a failure is recorded with the step's name and the pass goes on. */
    const step = async <T>(stepName: string, run: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await run();
      } catch (error) {
        errors.push(new Error(`${stepName}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        return undefined;
      }
    };
    const finish = async (namespace: string | undefined, observations: Observations, result?: ReconcileResult): Promise<ReconcileResult | void> => {
      const all = deps.isolation === undefined || observations.Isolated !== undefined ? observations : { ...observations, Isolated: isolationOrStored(undefined, raw['status']) };
      const stored = await step('status', () => reportStatus(raw, deps, namespace, all));
      if (stored !== undefined) written.remember(stored);
      if (errors.length > 0) {
        const failure = new ReconcileError(errors, errors.map((e) => e.message).join('; '));
        log.warn({ err: failure }, 'reconcile failed; retrying with backoff');
        throw failure;
      }
      return result;
    };

    const finalized = await step('finalizer', () => ensureFinalizer(raw, deps.writer));
    if (finalized !== undefined) written.remember(finalized);

    const validated = await step('validate', () => validate(raw, deps));
    if (validated === undefined) return finish(undefined, unobserved(errors.at(-1) as Error));
    if (!validated.ok) {
      log.info({ problems: validated.problems }, 'invalid spec: nothing applied');
      const observed = everyAspect({ status: 'False', reason: validated.reason, message: validated.message });
      return finish(undefined, observed, validated.retry ? { requeueAfterMs: blockedRecheckMs } : undefined);
    }
    const policy = validated.value;
    const namespace = agentNamespaceName(policy);

    const claim = await step('claim', async () => (await claimEnvelope(policy, deps.config, deps.reader)) ?? null);
    if (claim === undefined) return finish(namespace, unobserved(errors.at(-1) as Error));
    if (claim !== null) {
      log.warn({ reason: claim.reason }, claim.message);
      return finish(namespace, { ...everyAspect(dependencyBlocked), [claim.aspect]: claim.observed }, { requeueAfterMs: blockedRecheckMs });
    }

    const desired = desiredState(policy, deps.config) as unknown as KubeObject[];
    const applied = await applyEnvelope(policy, desired, { ...deps, written, budget, now: () => deps.now().getTime(), onRepair: (object, drift) => reportRepair(raw, object, drift, deps, log) }, log, specChanged(raw));
    errors.push(...applied.errors.map((e) => new Error(`write: ${e.message}`, { cause: e })));
    const pruned: EnvelopePruned | undefined = await step('prune', () => pruneEnvelope(policy, desired, deps, log));
    errors.push(...(pruned?.failed ?? []).map((f) => new Error(`prune: ${f.error.message}`, { cause: f.error })));
    const observed: EnvelopeObserved | undefined = await step('observe', () =>
      observeEnvelope(policy, deps.config, desired, applied, pruned, deps.reader),
    );
    const isolate = deps.isolation;
    const isolation = isolate === undefined ? undefined : await step('isolation', () => isolate(policy));
    const observations: Observations = {
      ...(observed?.observations ?? unobserved(errors.at(-1) as Error)),
      ...(isolate === undefined
        ? {}
        : { Isolated: isolation?.observed ?? { status: 'Unknown', reason: conditionReasons.notAudited, message: `the isolation audit failed: ${errors.at(-1)?.message ?? ''}` } }),
    };
    // A deferred repair comes back when its wait is over; a recheck when something outside the policy may appear.
    const waits = [
      ...applied.outcomes.flatMap((o) => (o.result === 'deferred' ? [o.delayMs] : [])),
      ...(observed?.recheckAfterMs === undefined ? [] : [observed.recheckAfterMs]),
      ...(isolation?.recheckAfterMs === undefined ? [] : [isolation.recheckAfterMs]),
    ];
    return finish(namespace, observations, waits.length === 0 ? undefined : { requeueAfterMs: Math.min(...waits) });
  };
}

/** The user edited the spec since the status last looked: differences are that edit, not drift. */
function specChanged(raw: KubeObject): boolean {
  const observedGeneration = (raw['status'] as { observedGeneration?: number } | undefined)?.observedGeneration;
  return observedGeneration === undefined || observedGeneration !== raw.metadata.generation;
}

/** A repaired drift is worth an Event naming the object and the field (and a metric, counted by applyEnvelope). */
function reportRepair(policy: KubeObject, object: KubeObject, drift: Drift, deps: ReconcilerDeps, log: Logger): void {
  const field = drift.path === '' ? 'the whole object (it was missing)' : drift.path;
  const message = `${describeObject(object)} had drifted from the policy at ${field}; restored`;
  log.info({ object: describeObject(object), field: drift.path, write: drift.repair }, 'drift repaired');
  deps.writer
    .recordEvent(policy, 'Warning', 'DriftRepaired', message)
    .catch((error: unknown) => log.warn({ err: error, object: describeObject(object) }, 'could not record event'));
}

/** Adds the finalizer when missing; resolves to the stored policy when it wrote one. */
async function ensureFinalizer(raw: KubeObject, writer: ClusterWriter): Promise<KubeObject | undefined> {
  const finalizers = raw.metadata.finalizers ?? [];
  if (finalizers.includes(finalizerName)) return undefined;
  const stored = await writer.setPolicyFinalizers(raw, [...finalizers, finalizerName]);
  return stored ?? undefined;
}

type Validated =
  | { readonly ok: true; readonly value: AgentPolicy }
  | { readonly ok: false; readonly reason: string; readonly message: string; readonly problems: string[]; readonly retry: boolean };

/** Schema and semantic validation against the ceiling ClusterRole as it is on the cluster now. */
async function validate(raw: KubeObject, deps: { config: OperatorConfig; reader: ClusterReader }): Promise<Validated> {
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
