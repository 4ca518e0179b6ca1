import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { desiredState, type DesiredObject } from '../desired/desired-state.ts';
import { driftOf, type ObjectLike } from '../envelope/drift.ts';
import { applyRankOf } from '../envelope/resource-table.ts';
import { ApplyOrderedText, type OrderedObject } from './apply-ordered-text.ts';
import type { OutputFormat } from './flags.ts';
import { jsonList, jsonListItems } from './json-list.ts';
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
  const print = format === 'json' ? jsonListItems : toYamlStream;
  // Policies in the order of their namespaces, so that most objects arrive in apply order and are printed soon after
  // they are built (see ApplyOrderedText); when that order does not hold, every object is sorted instead.
  const output =
    printInOrder(policies, config, new ApplyOrderedText(print), byNamespace(policies)) ??
    (printInOrder(policies, config, new ApplyOrderedText(print, true), policies.keys()) as ApplyOrderedText);
  const pieces = output.pieces();
  const withoutUid = policies.filter((p) => p.metadata.uid === undefined || p.metadata.uid === '').length;
  // A YAML stream ends each document with a newline; "---" starts the next one.
  return { text: format === 'json' ? jsonList(pieces) : pieces.join('---\n'), objectCount: output.count, withoutUid };
}

/** Policy indexes by agent namespace, ties in input order. */
function byNamespace(policies: readonly AgentPolicy[]): number[] {
  const keyed = policies.map((policy, index) => ({ namespace: agentNamespaceName(policy), index }));
  keyed.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.index - b.index));
  return keyed.map((k) => k.index);
}

/** Prints every policy's objects into `output`, visiting the policies in `order`; undefined when `output` refuses one. */
function printInOrder(
  policies: readonly AgentPolicy[],
  config: OperatorConfig,
  output: ApplyOrderedText,
  order: Iterable<number>,
): ApplyOrderedText | undefined {
  const runtimeClasses: { object: DesiredObject; policyIndex: number; position: number }[] = [];
  for (const policyIndex of order) {
    const objects = desiredState(policies[policyIndex] as AgentPolicy, config, { offline: true });
    for (let position = 0; position < objects.length; position++) {
      const object = objects[position] as DesiredObject;
      if (object.kind === 'RuntimeClass') {
        runtimeClasses.push({ object, policyIndex, position }); // deduplicated below, in input order
        continue;
      }
      if (!output.add(ordered(object, policyIndex, position))) return undefined;
    }
  }
  for (const { object, policyIndex, position } of sharedRuntimeClasses(policies, runtimeClasses)) {
    output.add(ordered(object, policyIndex, position));
  }
  return output;
}

function ordered(object: DesiredObject, policyIndex: number, position: number): OrderedObject {
  const { kind, metadata } = object;
  const rank = applyRankOf(object);
  return { rank, kind, namespace: metadata?.namespace ?? '', name: metadata?.name ?? '', object, policyIndex, position };
}

/** The first of each name in input order; a later one that differs from it is a conflict. */
function sharedRuntimeClasses<T extends { object: DesiredObject; policyIndex: number; position: number }>(
  policies: readonly AgentPolicy[],
  candidates: T[],
): T[] {
  candidates.sort((a, b) => a.policyIndex - b.policyIndex || a.position - b.position);
  const first = new Map<string, T>();
  for (const candidate of candidates) {
    const name = candidate.object.metadata?.name ?? '';
    const seen = first.get(name);
    if (seen === undefined) {
      first.set(name, candidate);
    } else if (driftOf(seen.object as unknown as ObjectLike, candidate.object as unknown as ObjectLike) !== undefined) {
      const [a, b] = [seen, candidate].map((c) => (policies[c.policyIndex] as AgentPolicy).metadata.name);
      throw new RenderConflictError(
        `AgentPolicies ${a} and ${b} want RuntimeClass ${name} different: use another name or the same handler, scheduling and overhead`,
      );
    }
  }
  return [...first.values()];
}
