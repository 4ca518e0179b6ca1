import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { applyKeyOf, compareApplyKeys, type ApplyKey } from '../desired/apply-order.ts';
import { desiredState, type DesiredObject } from '../desired/desired-state.ts';
import { driftOf, type ObjectLike } from '../envelope/drift.ts';
import type { OutputFormat } from './flags.ts';
import { jsonList, jsonListItem } from './json-list.ts';
import { toYaml } from './yaml-emitter.ts';

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
  const print = format === 'json' ? jsonListItem : toYaml;
  // Each object is printed as soon as it is built and only its text is kept, sorted by its apply key: holding every
  // object until the end made the garbage collector copy all of them, and is what cost most in big renders.
  const printed: { key: ApplyKey; text: string }[] = [];
  const runtimeClasses = new Map<string, { object: DesiredObject; policy: string }>();
  let withoutUid = 0;
  for (const policy of policies) {
    if (policy.metadata.uid === undefined || policy.metadata.uid === '') withoutUid++;
    for (const object of desiredState(policy, config, { offline: true })) {
      if (object.kind === 'RuntimeClass') {
        const name = object.metadata?.name ?? '';
        const seen = runtimeClasses.get(name);
        if (seen !== undefined) {
          if (driftOf(seen.object as unknown as ObjectLike, object as unknown as ObjectLike) !== undefined) {
            throw new RenderConflictError(
              `AgentPolicies ${seen.policy} and ${policy.metadata.name} want RuntimeClass ${name} different: use another name or the same handler, scheduling and overhead`,
            );
          }
          continue;
        }
        runtimeClasses.set(name, { object, policy: policy.metadata.name });
      }
      printed.push({ key: applyKeyOf(object), text: print(object) });
    }
  }
  printed.sort((a, b) => compareApplyKeys(a.key, b.key)); // stable: equal keys keep the policies' input order
  const texts = printed.map((p) => p.text);
  return { text: format === 'json' ? jsonList(texts) : texts.join('---\n'), objectCount: texts.length, withoutUid };
}
