import type { AgentPolicy, Quantity } from './schema.ts';
import { quantityValue } from '../quantity.ts';

/**
 * Defaults the schema cannot state (they depend on metadata.name, or merge per key with what the user wrote).
 * The CRD carries every other default, so the API server stores them.
 */

/** The agent namespace: spec.namespace.name, or "agent-<metadata.name>". */
export function agentNamespaceName(policy: Pick<AgentPolicy, 'metadata' | 'spec'>): string {
  return policy.spec.namespace.name ?? defaultAgentNamespace(policy.metadata.name);
}

/** The agent namespace of a policy that names none. */
export const defaultAgentNamespace = (policyName: string): string => `agent-${policyName}`;

/**
 * ResourceQuota.spec.hard when the policy says nothing; each key the policy sets overrides its default. Sized for
 * one agent with a few helper pods: enough to work, small enough that a runaway loop hits the wall early. No load
 * balancers or node ports: an agent has no business exposing itself outside the cluster.
 */
export const defaultQuota: Readonly<Record<string, Quantity>> = {
  pods: '20',
  'requests.cpu': '4',
  'requests.memory': '8Gi',
  'limits.cpu': '8',
  'limits.memory': '16Gi',
  persistentvolumeclaims: '5',
  'requests.storage': '50Gi',
  'services.loadbalancers': '0',
  'services.nodeports': '0',
};

/** Container limits and requests when a container states none (the quota above requires them). */
export const defaultContainerLimits: Readonly<Record<string, Quantity>> = { cpu: '1', memory: '1Gi' };
export const defaultContainerRequests: Readonly<Record<string, Quantity>> = { cpu: '100m', memory: '128Mi' };

/** The container limits a LimitRange states once the defaults are merged in. */
export interface EffectiveLimits {
  readonly default: Record<string, Quantity>;
  readonly defaultRequest: Record<string, Quantity>;
  readonly max?: Record<string, Quantity>;
}

/**
 * Merges the user's LimitRange settings over the defaults, per resource. A default the user did not set is lowered
 * to the user's max (and a default request to the effective default), so writing only `max: {cpu: 500m}` works
 * instead of producing a LimitRange the API server refuses. What the user set is kept as written.
 */
export function effectiveLimits(
  limits: AgentPolicy['spec']['resources']['limits'],
  builtinLimits: Readonly<Record<string, Quantity>> = defaultContainerLimits,
  builtinRequests: Readonly<Record<string, Quantity>> = defaultContainerRequests,
): EffectiveLimits {
  const max = limits.max;
  const limitDefaults = mergeClamped(limits.default, builtinLimits, max);
  const requestDefaults = mergeClamped(limits.defaultRequest, builtinRequests, limitDefaults);
  return max === undefined
    ? { default: limitDefaults, defaultRequest: requestDefaults }
    : { default: limitDefaults, defaultRequest: requestDefaults, max: sortedCopy(max) };
}

function mergeClamped(
  user: Readonly<Record<string, Quantity>> | undefined,
  builtin: Readonly<Record<string, Quantity>>,
  cap: Readonly<Record<string, Quantity>> | undefined,
): Record<string, Quantity> {
  const merged: Record<string, Quantity> = {};
  for (const [resource, value] of Object.entries(builtin)) {
    const limit = cap?.[resource];
    merged[resource] = limit !== undefined && quantityValue(limit) < quantityValue(value) ? limit : value;
  }
  return sortedCopy({ ...merged, ...user });
}

/** Keys in code-point order, so output does not depend on the order a user wrote a map in. */
export function sortedCopy<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const key of Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = record[key] as V;
  return out;
}
