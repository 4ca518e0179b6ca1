/**
 * Applies the desired objects in order with server-side apply, skipping each one whose cached state already holds
 * everything desired (steady state makes zero writes). Stops at the first failure: later objects may depend on it
 * (the agent Role needs the operator's RoleBinding), and the whole pass is retried with backoff.
 */
import type { Logger } from 'pino';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import { KubeApiError } from '../kube/errors.ts';
import { applyDecision } from '../kube/needs-apply.ts';
import { fieldManager } from '../kube/apply.ts';
import { aspectOf, describeObject, type Aspect } from './aspects.ts';
import { refOf, type ClusterReader, type ClusterWriter, type KubeObject } from './ports.ts';

export interface ApplyMetrics {
  /** An apply skipped because the cache already matched (bulkhead_apply_skipped_total). */
  applySkipped?(kind: string): void;
  applied?(kind: string): void;
}

export interface ApplyFailure {
  readonly object: KubeObject;
  readonly aspect: Aspect;
  readonly error: Error;
}

export interface EnvelopeApplied {
  /** Objects the server does not serve the kind of (SealedSecret without the Sealed Secrets CRD): not attempted. */
  readonly unserved: readonly KubeObject[];
  readonly failure?: ApplyFailure;
  readonly writes: number;
}

export interface ApplyDeps {
  readonly reader: ClusterReader;
  readonly writer: ClusterWriter;
  readonly metrics?: ApplyMetrics;
  /** Retries of a 403 on RBAC objects while a fresh RoleBinding propagates (default 20 x 250 ms). */
  readonly rbacPropagation?: { readonly attempts: number; readonly delayMs: number };
}

/**
 * The shared RuntimeClass is applied by every policy naming it, each as its own field manager: server-side apply
 * then merges their ownerReferences (a list keyed by uid) instead of each policy's apply dropping the others'.
 */
export function fieldManagerFor(object: KubeObject, policyName: string): string {
  return object.kind === 'RuntimeClass' ? `${fieldManager}-policy-${policyName}` : fieldManager;
}

export async function applyEnvelope(
  policy: AgentPolicy,
  desired: readonly KubeObject[],
  deps: ApplyDeps,
  log: Logger,
): Promise<EnvelopeApplied> {
  const unserved: KubeObject[] = [];
  let writes = 0;
  for (const object of desired) {
    if (!deps.reader.serves(object.apiVersion, object.kind)) {
      unserved.push(object);
      continue;
    }
    const manager = fieldManagerFor(object, policy.metadata.name);
    const decision = applyDecision(object, deps.reader.cached(refOf(object)), manager);
    if (!decision.needed) {
      deps.metrics?.applySkipped?.(object.kind);
      continue;
    }
    try {
      await applyWithRbacRetry(object, manager, deps);
      writes += 1;
      deps.metrics?.applied?.(object.kind);
      log.debug({ object: describeObject(object), field: decision.path }, 'applied');
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      log.warn({ object: describeObject(object), err: failure.message }, 'apply failed');
      return { unserved, writes, failure: { object, aspect: aspectOf(object.kind), error: failure } };
    }
  }
  return { unserved, writes };
}

/**
 * The operator writes the agent Role with permissions it holds only through the RoleBinding it applied just before;
 * the authorizer sees a new binding a moment later, so a 403 on an RBAC object is retried briefly before failing.
 */
async function applyWithRbacRetry(object: KubeObject, manager: string, deps: ApplyDeps): Promise<void> {
  const rbacKind = object.apiVersion.startsWith('rbac.authorization.k8s.io/');
  const { attempts, delayMs } = deps.rbacPropagation ?? { attempts: 20, delayMs: 250 };
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deps.writer.apply(object, manager);
      return;
    } catch (error) {
      const forbidden = error instanceof KubeApiError && error.category === 'Forbidden';
      if (!rbacKind || !forbidden || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
