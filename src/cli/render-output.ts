import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { desiredState, type DesiredObject } from '../desired/desired-state.ts';
import { driftOf, type ObjectLike } from '../envelope/drift.ts';
import { sortForApply } from '../desired/apply-order.ts';
import type { OutputFormat } from './flags.ts';
import { toYamlStream } from './yaml-emitter.ts';

export interface RenderResult {
  readonly text: string;
  readonly objectCount: number;
  /** Policies rendered without ownerReferences because the file carries no metadata.uid. */
  readonly withoutUid: number;
}

/**
 * The envelopes of many policies as one stream, in apply order across all of them (every Namespace before the
 * NetworkPolicies that live in them, and so on), so `kubectl apply -f` of the output succeeds in one pass. A Managed
 * RuntimeClass named by several policies is one object on the cluster: it is printed once, and policies that want
 * it different are refused, as the controller would report them (RuntimeClassConflict).
 */
export class RenderConflictError extends Error {
  override readonly name = 'RenderConflictError';
}

export function renderPolicies(policies: readonly AgentPolicy[], config: OperatorConfig, format: OutputFormat): RenderResult {
  const objects: DesiredObject[] = [];
  const runtimeClasses = new Map<string, { object: DesiredObject; policy: string }>();
  let withoutUid = 0;
  for (const policy of policies) {
    if (policy.metadata.uid === undefined || policy.metadata.uid === '') withoutUid++;
    for (const object of desiredState(policy, config, { offline: true })) {
      if (object.kind !== 'RuntimeClass') {
        objects.push(object);
        continue;
      }
      const name = object.metadata?.name ?? '';
      const seen = runtimeClasses.get(name);
      if (seen === undefined) {
        runtimeClasses.set(name, { object, policy: policy.metadata.name });
        objects.push(object);
      } else if (driftOf(seen.object as unknown as ObjectLike, object as unknown as ObjectLike) !== undefined) {
        throw new RenderConflictError(
          `AgentPolicies ${seen.policy} and ${policy.metadata.name} want RuntimeClass ${name} different: use another name or the same handler, scheduling and overhead`,
        );
      }
    }
  }
  const ordered = sortForApply(objects); // stable: within a rank, policies keep their input order
  const text =
    format === 'json'
      ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: ordered }, null, 2)}\n`
      : toYamlStream(ordered);
  return { text, objectCount: ordered.length, withoutUid };
}
