/**
 * Writes the desired objects rank by rank, one write for each object that differs from the cache (steady state makes
 * zero writes): a server-side apply, or an update of the whole object where another writer holds fields an apply
 * cannot remove (see src/envelope/drift.ts). A failure does not stop the pass: every independent object is still
 * written, and only the objects that depend on a failed one (everything in a namespace that could not be written,
 * the agent Role after the operator's RoleBinding) are skipped. Each object's outcome feeds the status.
 */
import type { Logger } from 'pino';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import { driftOf, repairedObject, type Drift, type ObjectLike } from '../envelope/drift.ts';
import { applyRankOf, operatorRoleBindingName, resourceKindOf } from '../envelope/resource-table.ts';
import { isOwnedBy } from './ownership.ts';
import type { RepairBudget } from './repair-budget.ts';
import type { WrittenObjects } from './written-objects.ts';
import { KubeApiError } from '../kube/errors.ts';
import { fieldManager } from '../kube/apply.ts';
import { describeObject } from './aspects.ts';
import { refOf, type ClusterReader, type ClusterWriter, type KubeObject } from './ports.ts';

export interface ApplyMetrics {
  /** An apply skipped because the cache already matched (bulkhead_apply_skipped_total). */
  applySkipped?(kind: string): void;
  applied?(kind: string): void;
  /** Drift found on an object that existed and repaired (bulkhead_drift_repairs_total). */
  driftRepaired?(kind: string, repair: Drift['repair']): void;
}

export type ObjectOutcome =
  | { readonly object: KubeObject; readonly result: 'unchanged'; readonly current: KubeObject }
  | { readonly object: KubeObject; readonly result: 'written'; readonly current: KubeObject; readonly drift: Drift; readonly repaired: boolean }
  | { readonly object: KubeObject; readonly result: 'failed'; readonly error: Error }
  | { readonly object: KubeObject; readonly result: 'skipped'; readonly because: KubeObject }
  /** Drift on an object another writer keeps changing: its repair waits (repair-budget.ts); the status says so. */
  | { readonly object: KubeObject; readonly result: 'deferred'; readonly delayMs: number; readonly repairs: number; readonly path: string }
  /** An object of that name exists and is not this policy's: never written (Bulkhead changes only what it owns). */
  | { readonly object: KubeObject; readonly result: 'conflict'; readonly message: string }
  /** The API server does not serve the kind (SealedSecret without the Sealed Secrets CRD): not attempted. */
  | { readonly object: KubeObject; readonly result: 'unserved' };

export interface EnvelopeApplied {
  readonly outcomes: readonly ObjectOutcome[];
  readonly writes: number;
  /** The failed writes, each naming its object. */
  readonly errors: readonly Error[];
}

export interface ApplyDeps {
  readonly reader: ClusterReader;
  readonly writer: ClusterWriter;
  readonly metrics?: ApplyMetrics;
  /** Retries of a 403 on RBAC objects while a fresh RoleBinding propagates (default 20 x 250 ms). */
  readonly rbacPropagation?: { readonly attempts: number; readonly delayMs: number };
  /** Bounds repairs of an object another writer keeps changing; the clock it is read with. */
  readonly budget?: RepairBudget;
  readonly now?: () => number;
  /** What this operator wrote, newer than the cache right after a write (see written-objects.ts). */
  readonly written?: WrittenObjects;
  /** Called for each repaired object: drift on an object that existed while the spec did not change. */
  readonly onRepair?: (object: KubeObject, drift: Drift) => void;
}

/** The object a failure of `failed` makes pointless to write (it would fail the same way, or after a long retry). */
function dependsOn(object: KubeObject, failed: KubeObject): boolean {
  if (failed.kind === 'Namespace') return object.metadata.namespace === failed.metadata.name;
  if (failed.kind === 'RoleBinding' && failed.metadata.name === operatorRoleBindingName) {
    return object.kind === 'Role' && object.metadata.namespace === failed.metadata.namespace;
  }
  return false;
}

/**
 * `specChanged`: the policy's generation is newer than the one its status last observed, so differences are the
 * user's edit, not drift; only drift is reported as a repair.
 */
export async function applyEnvelope(
  policy: AgentPolicy,
  desired: readonly KubeObject[],
  deps: ApplyDeps,
  log: Logger,
  specChanged: boolean,
): Promise<EnvelopeApplied> {
  const outcomes: ObjectOutcome[] = [];
  const failed: KubeObject[] = [];
  const errors: Error[] = [];
  // Objects of one apply rank depend on none of each other (only on lower ranks: the namespace, the operator's
  // RoleBinding), so each rank is written at once: a new envelope costs a round trip per rank, not per object.
  for (const rank of byApplyRank(desired)) {
    const results = await Promise.all(
      rank.map((object) => {
        const blocker = failed.find((f) => dependsOn(object, f));
        if (blocker !== undefined) return { object, result: 'skipped' as const, because: blocker };
        return writeOne(object, policy, deps, log, specChanged);
      }),
    );
    for (const outcome of results) {
      outcomes.push(outcome);
      if (outcome.result === 'failed') {
        failed.push(outcome.object);
        errors.push(outcome.error);
      }
    }
  }
  return { outcomes, writes: outcomes.filter((o) => o.result === 'written').length, errors };
}

/** Consecutive runs of `desired` (sorted for apply) with the same apply rank. */
function byApplyRank(desired: readonly KubeObject[]): KubeObject[][] {
  const ranks: KubeObject[][] = [];
  let previous: number | undefined;
  for (const object of desired) {
    const rank = applyRankOf(object);
    if (rank !== previous || ranks.length === 0) ranks.push([]);
    (ranks.at(-1) as KubeObject[]).push(object);
    previous = rank;
  }
  return ranks;
}

/** One object: compared with the cache (or what this operator just wrote), then created, applied or updated. */
async function writeOne(object: KubeObject, policy: AgentPolicy, deps: ApplyDeps, log: Logger, specChanged: boolean): Promise<ObjectOutcome> {
  if (!deps.reader.serves(object.apiVersion, object.kind)) return { object, result: 'unserved' };
  const cached = deps.reader.cached(refOf(object));
  const live = deps.written === undefined ? cached : deps.written.freshest(refOf(object), cached);
  // The namespace and the shared RuntimeClass were claimed before this step (claims.ts); every other object must
  // be this policy's own, or absent, before Bulkhead writes it.
  const claimedBefore = object.kind === 'Namespace' || resourceKindOf(object).sharedByPolicies === true;
  if (!claimedBefore && live !== undefined && !isOwnedBy(live, policy.metadata.uid ?? '')) {
    return { object, result: 'conflict', message: foreignMessage(object, live) };
  }
  const drift = driftOf(object as ObjectLike, live as ObjectLike | undefined, fieldManager);
  if (drift === undefined && live !== undefined) {
    deps.metrics?.applySkipped?.(object.kind);
    return { object, result: 'unchanged', current: live };
  }
  const found = drift ?? { path: '', repair: 'apply' as const };
  const repairing = live !== undefined && !specChanged;
  const budgetKey = `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  const now = deps.now?.() ?? Date.now();
  if (repairing && deps.budget !== undefined) {
    const delayMs = deps.budget.delayFor(budgetKey, now);
    if (delayMs > 0) return { object, result: 'deferred', delayMs, repairs: deps.budget.count(budgetKey, now), path: found.path };
  }
  try {
    let current: KubeObject;
    if (live === undefined && !claimedBefore) {
      const created = await createOrFindOwn(object, policy.metadata.uid ?? '', deps);
      if (typeof created === 'string') return { object, result: 'conflict', message: created };
      current = created;
    } else if (found.repair === 'update' && live !== undefined) {
      current = await deps.writer.update(repairedObject(object as ObjectLike, live as ObjectLike) as KubeObject);
    } else {
      current = await applyWithRbacRetry(object, deps, 'apply');
    }
    deps.written?.remember(current);
    deps.metrics?.applied?.(object.kind);
    if (repairing) {
      deps.metrics?.driftRepaired?.(object.kind, found.repair);
      // One Event per object per window: a writer fighting over a field must not also flood the Events.
      if ((deps.budget?.count(budgetKey, now) ?? 0) === 0) deps.onRepair?.(object, found);
      deps.budget?.record(budgetKey, now);
    }
    log.debug({ object: describeObject(object), field: found.path, write: found.repair }, repairing ? 'drift repaired' : 'written');
    return { object, result: 'written', current, drift: found, repaired: repairing };
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    log.warn({ object: describeObject(object), err: cause }, 'write failed');
    return { object, result: 'failed', error: cause };
  }
}

/**
 * The operator writes the agent Role with permissions it holds only through the RoleBinding it applied just before;
 * the authorizer sees a new binding a moment later, so a 403 on an RBAC object is retried briefly before failing.
 */
async function applyWithRbacRetry(object: KubeObject, deps: ApplyDeps, write: 'apply' | 'create'): Promise<KubeObject> {
  const rbacKind = object.apiVersion.startsWith('rbac.authorization.k8s.io/');
  const { attempts, delayMs } = deps.rbacPropagation ?? { attempts: 20, delayMs: 250 };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return write === 'create' ? await deps.writer.create(object) : await deps.writer.apply(object);
    } catch (error) {
      const forbidden = error instanceof KubeApiError && error.category === 'Forbidden';
      if (!rbacKind || !forbidden || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * A new object is created, never applied: an apply would merge into an object of the same name that someone else
 * made (a ServiceAccount in an adopted namespace, a look-alike FlowSchema) and take it over. When the name is taken,
 * the live object decides: this policy's own (the cache had not seen it yet) is fine, anything else is a conflict,
 * returned as its message.
 */
async function createOrFindOwn(object: KubeObject, policyUid: string, deps: ApplyDeps): Promise<KubeObject | string> {
  try {
    return await applyWithRbacRetry(object, deps, 'create');
  } catch (error) {
    if (!(error instanceof KubeApiError && error.category === 'AlreadyExists')) throw error;
    const live = await deps.reader.read(refOf(object));
    if (live !== undefined && isOwnedBy(live, policyUid)) return live;
    return foreignMessage(object, live);
  }
}

function foreignMessage(object: KubeObject, live: KubeObject | undefined): string {
  const owner = live?.metadata.ownerReferences?.find((r) => r.controller === true) ?? live?.metadata.ownerReferences?.[0];
  const whose = owner === undefined ? 'was not created by Bulkhead for this policy' : `belongs to ${owner.kind} ${owner.name}`;
  return `${describeObject(object)} already exists and ${whose}; Bulkhead never changes an object it does not own: remove or rename it`;
}
