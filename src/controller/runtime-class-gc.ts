/**
 * The RuntimeClass collector: a shared Managed RuntimeClass carries no per-policy ownerReference (its cost must not
 * grow with the policies), so garbage collection cannot remove it; this reconciler, keyed by class name, deletes a
 * class Bulkhead manages once no AgentPolicy names it any more. The delete carries the UID precondition, and a
 * policy that names the class a moment later simply creates it again.
 */
import type { Logger } from 'pino';
import { isLabelledManaged } from './ownership.ts';
import type { ClusterReader, ClusterWriter } from './ports.ts';

/** Pure: whether a cached class should go. */
export function runtimeClassUnused(live: Parameters<typeof isLabelledManaged>[0] | undefined, namingPolicies: readonly string[]): boolean {
  return live !== undefined && isLabelledManaged(live) && namingPolicies.length === 0;
}

export function createRuntimeClassCollector(deps: {
  reader: Pick<ClusterReader, 'cached' | 'policiesNamingRuntimeClass'>;
  writer: Pick<ClusterWriter, 'delete'>;
  log: Logger;
}): (className: string) => Promise<void> {
  return async (className) => {
    const live = deps.reader.cached({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name: className });
    if (!runtimeClassUnused(live, deps.reader.policiesNamingRuntimeClass(className)) || live === undefined) return;
    await deps.writer.delete(live);
    deps.log.info({ runtimeClass: className }, 'deleted a RuntimeClass no policy names any more');
  };
}
