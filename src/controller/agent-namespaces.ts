/**
 * Pure: which agent namespace each cached AgentPolicy claims, read from the stored object (spec.namespace.name, else
 * the default agent-<name>, as validation defaults it), so that an event in a namespace finds its policy.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { defaultAgentNamespace } from '../api/v1alpha1/defaults.ts';

export function agentNamespaceOf(policy: KubernetesObject): string | undefined {
  const name = policy.metadata?.name;
  if (name === undefined) return undefined;
  const named = (policy as { spec?: { namespace?: { name?: unknown } } }).spec?.namespace?.name;
  return typeof named === 'string' && named !== '' ? named : defaultAgentNamespace(name);
}

/** Agent namespace -> policy name, for every cached policy. */
export function agentNamespaces(policies: readonly KubernetesObject[]): Map<string, string> {
  const byNamespace = new Map<string, string>();
  for (const policy of policies) {
    const namespace = agentNamespaceOf(policy);
    if (namespace !== undefined) byNamespace.set(namespace, policy.metadata?.name ?? '');
  }
  return byNamespace;
}
