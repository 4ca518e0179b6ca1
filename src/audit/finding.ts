/**
 * One statement about an agent's effective isolation. `expected` findings are what the policy asks for (its desired
 * state, or a Kubernetes default every identity has); a `widening` is something that makes the envelope weaker than
 * the policy, and names the object that causes it (or the envelope object that is missing).
 */
import { describeRef, type ObjectRef } from './objects.ts';

export type Aspect = 'network' | 'identity' | 'runtime' | 'secrets';
export type Verdict = 'expected' | 'widening';

/** CamelCase reasons, also used by the Isolated condition. */
export const findingReasons = {
  /** Allowed by the policy's own objects. */
  expected: 'Expected',
  /** A Kubernetes default that every ServiceAccount has (system:discovery and friends). */
  kubernetesDefault: 'KubernetesDefault',
  /** A RoleBinding or ClusterRoleBinding Bulkhead did not make grants the agent something. */
  foreignBinding: 'ForeignBinding',
  /** A NetworkPolicy rule Bulkhead did not write opens traffic the policy does not allow. */
  foreignNetworkPolicy: 'ForeignNetworkPolicy',
  /** No NetworkPolicy isolates every agent pod (the default deny is missing or changed). */
  networkNotIsolated: 'NetworkNotIsolated',
  /** A pod runs off the sandbox runtime class, as another ServiceAccount, or in a host namespace. */
  unsandboxedPod: 'UnsandboxedPod',
  /** A Secret in the agent namespace that no SealedSecret of the policy produced. */
  foreignSecret: 'ForeignSecret',
  /** The RuntimeClass is missing or has another handler. */
  runtimeClassMismatch: 'RuntimeClassMismatch',
  /** The agent-pods admission policy or the binding for the namespace's mode is missing or differs. */
  admissionWeakened: 'AdmissionWeakened',
  /** The namespace's Pod Security or Bulkhead labels and annotations differ from the policy. */
  namespaceWeakened: 'NamespaceWeakened',
  /** The authorizer allows a sensitive action the policy does not grant. */
  accessWidened: 'AccessWidened',
} as const;
export type FindingReason = (typeof findingReasons)[keyof typeof findingReasons];

export interface Finding {
  readonly aspect: Aspect;
  readonly verdict: Verdict;
  readonly reason: FindingReason;
  /** One readable sentence, naming the object. */
  readonly message: string;
  /** The object that causes it (a missing envelope object is named too). */
  readonly object?: ObjectRef;
}

export function expected(aspect: Aspect, message: string, object?: ObjectRef, reason: FindingReason = findingReasons.expected): Finding {
  return { aspect, verdict: 'expected', reason, message, ...(object === undefined ? {} : { object }) };
}

export function widening(aspect: Aspect, reason: FindingReason, object: ObjectRef, message: string): Finding {
  return { aspect, verdict: 'widening', reason, message: `${describeRef(object)}: ${message}`, object };
}

export const isWidening = (f: Finding): boolean => f.verdict === 'widening';
