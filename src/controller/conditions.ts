/**
 * Pure condition computation (agent-sandbox style): the reconciler reports what it observed for each aspect of the
 * envelope; this module turns that into status conditions, Ready summarising the rest, with lastTransitionTime kept
 * unless the status flips. No clock inside: `now` is passed in, so the function is deterministic and testable.
 */
import {
  allConditionTypes,
  conditionReasons,
  conditionTypes,
  type ConditionStatus,
  type ConditionType,
} from '../api/v1alpha1/conditions.ts';
import type { Condition } from '../api/v1alpha1/schema.ts';

/** What the reconciler observed about one aspect. */
export interface Observed {
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  /**
   * The status is what the spec asks for, even though it is not True (SandboxEnforced=False, AuditOnly, when
   * sandbox.enforcement is Audit): it reports the fact without holding Ready back.
   */
  readonly intended?: boolean;
}

/** Observations for every aspect but Ready; a missing one is Unknown. */
export type Observations = Partial<Record<Exclude<ConditionType, 'Ready'>, Observed>>;

const unknown: Observed = { status: 'Unknown', reason: conditionReasons.progressing, message: 'not observed yet' };

/** Ready is True only when every other condition is; otherwise it carries the first blocker's reason. */
export function summarise(observations: Observations): Observed {
  const aspects = allConditionTypes.filter((t): t is Exclude<ConditionType, 'Ready'> => t !== conditionTypes.ready);
  const blocking = aspects
    .map((type) => ({ type, observed: observations[type] ?? unknown }))
    .filter(({ observed }) => observed.status !== 'True' && observed.intended !== true);
  const first = blocking[0];
  if (first === undefined) {
    return { status: 'True', reason: conditionReasons.reconciled, message: 'the isolation envelope is in place' };
  }
  const status: ConditionStatus = blocking.some((b) => b.observed.status === 'False') ? 'False' : 'Unknown';
  return { status, reason: first.observed.reason, message: `${first.type}: ${first.observed.message}` };
}

/** The full condition list for a status write, Ready first, transition times kept where the status did not flip. */
export function computeConditions(
  previous: readonly Condition[],
  observations: Observations,
  generation: number,
  now: Date,
): Condition[] {
  const all: Record<ConditionType, Observed> = {
    ...(Object.fromEntries(allConditionTypes.map((t) => [t, observations[t as Exclude<ConditionType, 'Ready'>] ?? unknown])) as Record<
      ConditionType,
      Observed
    >),
    [conditionTypes.ready]: summarise(observations),
  };
  return allConditionTypes.map((type) => {
    const next = all[type];
    const before = previous.find((c) => c.type === type);
    const lastTransitionTime =
      before !== undefined && before.status === next.status ? before.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { type, status: next.status, observedGeneration: generation, lastTransitionTime, reason: next.reason, message: next.message };
  });
}

/** Conditions whose status or reason changed: each one is an Event. */
export function transitions(previous: readonly Condition[], next: readonly Condition[]): Condition[] {
  return next.filter((c) => {
    const before = previous.find((p) => p.type === c.type);
    return before === undefined || before.status !== c.status || before.reason !== c.reason;
  });
}

/**
 * The transitions worth an Event: Ready's, and an aspect turning False (a Warning saying why). An aspect becoming
 * True or Unknown is already summarised by Ready; recording each of them made six Events per new policy, over a
 * quarter of all writes at scale.
 */
export function meaningfulTransitions(previous: readonly Condition[], next: readonly Condition[]): Condition[] {
  return transitions(previous, next).filter((c) => c.type === conditionTypes.ready || c.status === 'False');
}
