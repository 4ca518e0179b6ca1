import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { desiredState, type DesiredObject } from '../desired/desired-state.ts';
import { compareForApply } from '../envelope/resource-table.ts';
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
 * RuntimeClass named by several policies is one object on the cluster with one ownerReference per policy: it is
 * printed once, with all of them.
 */
export function renderPolicies(policies: readonly AgentPolicy[], config: OperatorConfig, format: OutputFormat): RenderResult {
  const objects: DesiredObject[] = [];
  const runtimeClasses = new Map<string, DesiredObject & { kind: 'RuntimeClass' }>();
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
        runtimeClasses.set(name, object);
        objects.push(object);
      } else if (object.metadata?.ownerReferences !== undefined) {
        seen.metadata = { ...seen.metadata, ownerReferences: [...(seen.metadata?.ownerReferences ?? []), ...object.metadata.ownerReferences] };
      }
    }
  }
  objects.sort(compareForApply); // stable: within a rank, policies keep their input order
  const text =
    format === 'json'
      ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`
      : toYamlStream(objects);
  return { text, objectCount: objects.length, withoutUid };
}
