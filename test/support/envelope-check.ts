/**
 * "Every envelope exactly right, object by object": for each policy as stored, the pure desiredState is computed
 * here, in the test, and every desired object is read from the API server and compared, twice over:
 * - with the reconciler's own equality on owned fields (src/envelope/drift.ts), so a difference the operator would
 *   call drift is caught;
 * - independently of it: every value Bulkhead sets is present and equal in the live object (lists of the same
 *   length, quantities by value), labels and the ownerReference in place;
 * and no object labelled as the policy's exists beyond the desired ones. The policy must report Ready for its
 * current generation. Returns the problems, one line each (empty: all right).
 */
import * as k8s from '@kubernetes/client-node';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { quantityValue } from '../../src/api/quantity.ts';
import { policyLabel } from '../../src/api/v1alpha1/well-known.ts';
import { defaultOperatorConfig, type OperatorConfig } from '../../src/config.ts';
import { desiredState } from '../../src/desired/desired-state.ts';
import { driftOf, type ObjectLike } from '../../src/envelope/drift.ts';
import { resourceTable } from '../../src/envelope/resource-table.ts';
import { usePlainJson } from '../../src/kube/raw-serialization.ts';
import { validateAgentPolicy } from '../../src/validation/validate.ts';

type Json = unknown;

const sameScalar = (a: Json, b: Json): boolean => {
  if (a === b || String(a) === String(b)) return true;
  try {
    return (typeof a === 'string' || typeof a === 'number') && (typeof b === 'string' || typeof b === 'number') && quantityValue(a) === quantityValue(b);
  } catch {
    return false;
  }
};

/** The first place where `live` does not hold what `desired` says, or undefined. */
export function missingFrom(desired: Json, live: Json, path: string): string | undefined {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return desired.length === 0 && (live === undefined || live === null) ? undefined : `${path}: not a list`;
    if (live.length !== desired.length) return `${path}: ${live.length} items, want ${desired.length}`;
    for (const [i, item] of desired.entries()) {
      const problem = missingFrom(item, live[i], `${path}[${i}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object') {
      return Object.keys(desired).length === 0 && live === undefined && !/Selector$/.test(path) ? undefined : `${path}: missing`;
    }
    for (const [key, value] of Object.entries(desired)) {
      const problem = missingFrom(value, (live as Record<string, Json>)[key], `${path}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (desired === undefined) return undefined;
  if ((desired === '' || desired === false) && (live === undefined || live === null)) return undefined;
  return sameScalar(desired, live) ? undefined : `${path}: ${JSON.stringify(live)}, want ${JSON.stringify(desired)}`;
}

interface StoredPolicy {
  metadata: { name: string; generation?: number };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string; reason: string; message: string }[] };
}

export async function envelopeProblems(
  admin: k8s.KubeConfig,
  names: readonly string[],
  config: OperatorConfig = defaultOperatorConfig,
): Promise<string[]> {
  const custom = admin.makeApiClient(k8s.CustomObjectsApi);
  const objects = k8s.KubernetesObjectApi.makeApiClient(admin);
  const problems: string[] = [];
  for (const name of names) {
    const raw = (await custom.getClusterCustomObject({ group: 'bulkhead.dev', version: 'v1alpha1', plural: 'agentpolicies', name })) as StoredPolicy;
    const ready = raw.status?.conditions?.find((c) => c.type === 'Ready');
    if (raw.status?.observedGeneration !== raw.metadata.generation || ready?.status !== 'True') {
      problems.push(`${name}: status gen ${raw.status?.observedGeneration}/${raw.metadata.generation} Ready=${ready?.status} ${ready?.reason ?? ''} ${ready?.message ?? ''}`);
    }
    const validated = validateAgentPolicy(raw, { config, ceilingRules: defaultCeilingRules });
    if (!validated.ok) {
      problems.push(`${name}: stored policy invalid: ${JSON.stringify(validated.issues)}`);
      continue;
    }
    const desired = desiredState(validated.policy, config) as unknown as ObjectLike[];
    const wanted = new Set<string>();
    for (const object of desired) {
      const id = `${object.kind} ${String(object.metadata['namespace'] ?? '')}/${object.metadata.name}`;
      wanted.add(id);
      usePlainJson(object.apiVersion, object.kind);
      const live = (await objects
        .read({ apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, namespace: object.metadata['namespace'] as string | undefined } })
        .catch((error: unknown) => {
          if (error instanceof k8s.ApiException && error.code === 404) return undefined;
          throw error;
        })) as ObjectLike | undefined;
      if (live === undefined) {
        problems.push(`${name}: ${id} missing`);
        continue;
      }
      const drift = driftOf(object, live);
      if (drift !== undefined) problems.push(`${name}: ${id} drifted at ${drift.path}`);
      const { metadata, status: _status, ...content } = object as ObjectLike & { status?: unknown };
      const missing =
        missingFrom(content, live, id) ??
        missingFrom(metadata.labels ?? {}, live.metadata.labels, `${id} labels`) ??
        missingFrom(metadata.ownerReferences ?? [], live.metadata.ownerReferences ?? [], `${id} ownerReferences`);
      if (missing !== undefined) problems.push(`${name}: ${missing}`);
    }
    // Nothing of the policy's beyond what it wants (a leftover a crash or a lost event could leave behind).
    for (const kind of resourceTable) {
      usePlainJson(kind.apiVersion, `${kind.kind}List`);
      // A kind the cluster does not serve (SealedSecret without its CRD) holds nothing.
      const list = await objects
        .list(kind.apiVersion, kind.kind, undefined, undefined, undefined, undefined, undefined, `${policyLabel}=${name}`)
        .catch((error: unknown) => {
          const unserved = (error instanceof k8s.ApiException && error.code === 404) || /Unrecognized API version and kind/.test(String(error));
          if (unserved) return { items: [] as k8s.KubernetesObject[] };
          throw error;
        });
      for (const item of list.items) {
        const id = `${kind.kind} ${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`;
        if (!wanted.has(id)) problems.push(`${name}: ${id} exists but is not desired`);
      }
    }
  }
  return problems;
}
