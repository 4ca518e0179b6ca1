/**
 * Writes the policy's status when, and only when, it changed, and records an Event for each meaningful transition
 * (Ready's, and an aspect turning False).
 * No secret value can reach it: messages come from validation, API errors and the Sealed Secrets controller's
 * conditions, none of which carry plaintext.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { Condition } from '../api/v1alpha1/schema.ts';
import { computeConditions, meaningfulTransitions, type Observations } from './conditions.ts';
import type { ClusterWriter, KubeObject } from './ports.ts';

export interface StatusDeps {
  readonly writer: ClusterWriter;
  readonly now: () => Date;
  readonly log: Logger;
}

interface StoredStatus {
  readonly observedGeneration?: number;
  readonly namespace?: string;
  readonly conditions?: Condition[];
}

export async function reportStatus(
  policy: KubeObject,
  deps: StatusDeps,
  namespace: string | undefined,
  observations: Observations,
): Promise<KubeObject | undefined> {
  const previous = (policy['status'] as StoredStatus | undefined) ?? {};
  const generation = policy.metadata.generation ?? 0;
  const conditions = computeConditions(previous.conditions ?? [], observations, generation, deps.now());
  const status: StoredStatus = {
    observedGeneration: generation,
    ...(namespace === undefined ? {} : { namespace }),
    conditions,
  };
  if (isDeepStrictEqual(previous, status)) return undefined;
  const stored = await deps.writer.writePolicyStatus(policy, status as Record<string, unknown>);
  for (const changed of meaningfulTransitions(previous.conditions ?? [], conditions)) {
    const type = changed.status === 'False' ? 'Warning' : 'Normal';
    // An Event is a courtesy: failing to record one must not fail the reconcile, but it is logged, not hidden.
    await deps.writer
      .recordEvent(policy, type, changed.reason, `${changed.type} is ${changed.status}: ${changed.message}`)
      .catch((error: unknown) => deps.log.warn({ err: error, condition: changed.type }, 'could not record event'));
  }
  return stored ?? undefined;
}
