/**
 * Pure ownership decisions. The label is the index, the ownerReference UID is the truth: Bulkhead touches an object
 * only when it carries an ownerReference to the AgentPolicy being reconciled (or, for a namespace, an explicit
 * adoption annotation naming that policy).
 */
import { adoptAnnotation, managedByLabel, managedByValue } from '../api/v1alpha1/well-known.ts';
import { driftOf, type ObjectLike } from '../envelope/drift.ts';

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
 * created is never taken over. When the class differs from what this policy wants, the policy may change it only if
 * no other policy wants it as it is (`wantedAsIs` names one that does): disagreeing policies are a conflict, never an
 * overwrite, and the first to have written the class keeps it.
 */
export function claimRuntimeClass(
  live: (OwnedObject & { readonly handler?: string }) | undefined,
  desired: ObjectLike & { readonly handler?: unknown },
  wantedAsIs: () => string | undefined,
): RuntimeClassClaim {
  const name = desired.metadata.name;
  if (live === undefined) return { outcome: 'absent' };
  if (!isLabelledManaged(live)) {
    return {
      outcome: 'conflict',
      message: `RuntimeClass ${name} exists and is not managed by Bulkhead; set sandbox.runtimeClass.management: External to use it`,
    };
  }
  const drift = driftOf(desired, live as ObjectLike);
  if (drift === undefined) return { outcome: 'shared' };
  const other = wantedAsIs();
  if (other === undefined) return { outcome: 'shared' };
  const how = live.handler !== desired.handler ? `handler ${live.handler ?? '(none)'}, not ${String(desired.handler)}` : `it differs at ${drift.path}`;
  return {
    outcome: 'conflict',
    message: `RuntimeClass ${name} is shared with AgentPolicy ${other}, which wants it as it is (${how}); use another name or the same handler, scheduling and overhead`,
  };
}
