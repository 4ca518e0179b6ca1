/**
 * Pure ownership decisions. The label is the index, the ownerReference UID is the truth: Bulkhead touches an object
 * only when it carries an ownerReference to the AgentPolicy being reconciled (or, for a namespace, an explicit
 * adoption annotation naming that policy).
 */
import { adoptAnnotation, managedByLabel, managedByValue } from '../api/v1alpha1/well-known.ts';

export interface OwnedObject {
  readonly metadata?: {
    readonly name?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly { readonly uid: string; readonly kind: string; readonly name: string }[];
  };
}

export function isOwnedBy(object: OwnedObject, ownerUid: string): boolean {
  return (object.metadata?.ownerReferences ?? []).some((ref) => ref.uid === ownerUid);
}

export function isLabelledManaged(object: OwnedObject): boolean {
  return object.metadata?.labels?.[managedByLabel] === managedByValue;
}

export type NamespaceClaim =
  | { readonly outcome: 'absent' }
  | { readonly outcome: 'owned' }
  | { readonly outcome: 'adoptable' }
  | { readonly outcome: 'conflict'; readonly message: string };

/** May this policy write the namespace? Only if it is new, already ours, or annotated for adoption by this policy. */
export function claimNamespace(
  live: OwnedObject | undefined,
  policy: { name: string; uid: string },
  namespaceName: string,
): NamespaceClaim {
  if (live === undefined) return { outcome: 'absent' };
  if (isOwnedBy(live, policy.uid)) return { outcome: 'owned' };
  if (live.metadata?.annotations?.[adoptAnnotation] === policy.name) return { outcome: 'adoptable' };
  const owner = live.metadata?.ownerReferences?.find((ref) => ref.kind === 'AgentPolicy');
  const why =
    owner !== undefined
      ? `it belongs to AgentPolicy ${owner.name}`
      : `it was not created by Bulkhead; annotate it ${adoptAnnotation}=${policy.name} to let this policy adopt it`;
  return { outcome: 'conflict', message: `namespace ${namespaceName} already exists and ${why}` };
}

export type RuntimeClassClaim =
  | { readonly outcome: 'absent' | 'shared' }
  | { readonly outcome: 'conflict'; readonly message: string };

/**
 * A Managed RuntimeClass is shared by every policy naming it, but only among Bulkhead's own: a class someone else
 * created is never taken over, and one with another handler is never overwritten.
 */
export function claimRuntimeClass(
  live: (OwnedObject & { readonly handler?: string }) | undefined,
  name: string,
  handler: string,
): RuntimeClassClaim {
  if (live === undefined) return { outcome: 'absent' };
  if (!isLabelledManaged(live) || !(live.metadata?.ownerReferences ?? []).some((r) => r.kind === 'AgentPolicy')) {
    return {
      outcome: 'conflict',
      message: `RuntimeClass ${name} exists and is not managed by Bulkhead; set sandbox.runtimeClass.management: External to use it`,
    };
  }
  if (live.handler !== handler) {
    return {
      outcome: 'conflict',
      message: `RuntimeClass ${name} exists with handler ${live.handler ?? '(none)'}, not ${handler}; use another name or the same handler`,
    };
  }
  return { outcome: 'shared' };
}
