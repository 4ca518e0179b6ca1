/**
 * Removes what this policy owns and no longer desires (a removed secret, cluster role binding, or the Role when the
 * rules went empty). Only objects carrying this policy's ownerReference UID are candidates; each delete carries a UID
 * precondition, so an object replaced meanwhile by someone else's is never touched.
 */
import type { Logger } from 'pino';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import { describeObject } from './aspects.ts';
import type { ClusterReader, ClusterWriter, KubeObject } from './ports.ts';

const identity = (o: KubeObject): string => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Pure: the owned objects to let go of, and how (a shared RuntimeClass with other owners is only released). */
export function pruneCandidates(
  policyUid: string,
  desired: readonly KubeObject[],
  owned: readonly KubeObject[],
): { object: KubeObject; action: 'delete' | 'release' }[] {
  const wanted = new Set(desired.map(identity));
  return owned
    .filter((object) => !wanted.has(identity(object)))
    // The namespace is never pruned: its name is immutable, and it goes (or stays) with the policy.
    .filter((object) => object.kind !== 'Namespace')
    .map((object) => {
      const others = (object.metadata.ownerReferences ?? []).filter((r) => r.kind === 'AgentPolicy' && r.uid !== policyUid);
      return { object, action: object.kind === 'RuntimeClass' && others.length > 0 ? ('release' as const) : ('delete' as const) };
    });
}

export interface EnvelopePruned {
  /** Removed (or released) in this pass: the cache may still show them until the watch catches up. */
  readonly removed: readonly KubeObject[];
  readonly failed: readonly { readonly object: KubeObject; readonly error: Error }[];
}

/** Every candidate is tried; a failure is recorded and the others still go. */
export async function pruneEnvelope(
  policy: AgentPolicy,
  desired: readonly KubeObject[],
  deps: { reader: ClusterReader; writer: ClusterWriter },
  log: Logger,
): Promise<EnvelopePruned> {
  const uid = policy.metadata.uid ?? '';
  const removed: KubeObject[] = [];
  const failed: { object: KubeObject; error: Error }[] = [];
  for (const { object, action } of pruneCandidates(uid, desired, deps.reader.ownedBy(uid))) {
    try {
      if (action === 'release') await deps.writer.removeOwnerReference(object, uid);
      else await deps.writer.delete(object);
      removed.push(object);
      log.info({ object: describeObject(object), action }, 'pruned');
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      log.warn({ object: describeObject(object), action, err: cause }, 'prune failed');
      failed.push({ object, error: cause });
    }
  }
  return { removed, failed };
}
