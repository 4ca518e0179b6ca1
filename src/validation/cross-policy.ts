import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { ValidationIssue } from './issues.ts';

/** An issue of one policy in a set, by its position in that set. */
export interface SetIssue extends ValidationIssue {
  readonly policyIndex: number;
}

/**
 * Conflicts between policies that are each valid alone, found when many are checked together (render, validate):
 * two policies claiming one namespace, or naming one Managed RuntimeClass with different handlers. The controller
 * finds the same conflicts against the cluster (NamespaceConflict, RuntimeClassConflict); offline, the set is the
 * cluster.
 */
export function crossPolicyIssues(policies: readonly AgentPolicy[]): SetIssue[] {
  const issues: SetIssue[] = [];
  const namespaces = new Map<string, string>();
  const handlers = new Map<string, { handler: string; policy: string }>();
  policies.forEach((policy, policyIndex) => {
    const ns = agentNamespaceName(policy);
    const owner = namespaces.get(ns);
    if (owner !== undefined && owner !== policy.metadata.name) {
      issues.push({ policyIndex, path: 'spec.namespace.name', message: `namespace "${ns}" is already claimed by AgentPolicy ${owner}` });
    } else {
      namespaces.set(ns, policy.metadata.name);
    }
    const rc = policy.spec.sandbox.runtimeClass;
    if (rc.management !== 'Managed') return;
    const first = handlers.get(rc.name);
    if (first === undefined) {
      handlers.set(rc.name, { handler: rc.handler, policy: policy.metadata.name });
    } else if (first.handler !== rc.handler) {
      issues.push({
        policyIndex,
        path: 'spec.sandbox.runtimeClass.handler',
        message: `RuntimeClass "${rc.name}" has handler "${first.handler}" in AgentPolicy ${first.policy}; a shared class cannot have two`,
      });
    }
  });
  return issues;
}
