/** One RBAC rule as Roles and ClusterRoles carry it (the subset Bulkhead reads and writes). */
import { installLabels } from '../../cluster/labels.ts';
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/**
 * The default permission ceiling (ClusterRole `bulkhead-agent-ceiling`): the most an agent Role may grant. Read-only
 * on the workload objects an agent needs to observe, writes only on configmaps and batch jobs, and `get` alone on
 * secrets so an agent reads the secrets named for it but can never list them. Nothing in rbac.authorization.k8s.io,
 * no pods/exec or pods/attach. Offline validation uses this list; the controller reads the real ClusterRole, and
 * the chart's ceiling ClusterRole is generated from it (ceilingClusterRole below).
 */
export const defaultCeilingRules: readonly PolicyRule[] = [
  {
    apiGroups: [''],
    resources: ['pods', 'pods/log', 'configmaps', 'services', 'endpoints', 'events', 'persistentvolumeclaims'],
    verbs: ['get', 'list', 'watch'],
  },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'update', 'patch', 'delete'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
];

/** The ceiling as a ClusterRole manifest, for the chart and install.yaml. */
export function ceilingClusterRole(name: string, rules: readonly PolicyRule[] = defaultCeilingRules): object {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: installLabels('ceiling') },
    rules: rules.map((r) => ({ ...r })),
  };
}
