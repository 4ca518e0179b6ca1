import { z } from 'zod';
import { dns1123Label, dns1123Subdomain, labelValue, qualifiedName, rbacName } from './api/v1alpha1/formats.ts';

/**
 * The operator's configuration: what the chart installed around it (names of the ceiling ClusterRole, the admission
 * policy, the priority level) and what it may bind. desiredState and semantic validation read it; the controller
 * loads it from BULKHEAD_* environment variables set by the chart.
 */
export const OperatorConfig = z.strictObject({
  /** Where the operator runs; never an agent namespace. */
  operatorNamespace: z.string().regex(dns1123Label, 'must be a DNS-1123 label').default('bulkhead-system'),
  /** The operator's ServiceAccount: bound to the ceiling inside each agent namespace. */
  operatorServiceAccount: z.string().regex(dns1123Subdomain, 'must be a DNS-1123 subdomain').default('bulkhead'),
  /** The ClusterRole that caps every agent Role. */
  ceilingClusterRole: z.string().regex(rbacName, 'must be a valid RBAC name').default('bulkhead-agent-ceiling'),
  /** ClusterRoles a policy may bind in its namespace. */
  bindableClusterRoles: z.array(z.string().regex(rbacName, 'must be a valid RBAC name')).default(['view']),
  /** The chart's ValidatingAdmissionPolicy that each policy binds to its namespace. */
  agentPodsAdmissionPolicyName: z.string().regex(dns1123Subdomain, 'must be a DNS-1123 subdomain').default('bulkhead-agent-pods'),
  /** The chart's throttled PriorityLevelConfiguration. */
  priorityLevelName: z.string().regex(dns1123Subdomain, 'must be a DNS-1123 subdomain').default('bulkhead-agents'),
  /**
   * FlowSchema matchingPrecedence (lower wins). 1000: after every suggested system FlowSchema (exempt 1, probes 2,
   * leader election 100/200, nodes 400/500, controllers 800, kube-system-service-accounts 900), which never match an
   * agent anyway, and before service-accounts (9000), which would otherwise put agents into workload-low.
   */
  flowSchemaMatchingPrecedence: z.number().int().min(1).max(9999).default(1000),
  /** Where cluster DNS runs, and the labels of its pods (CoreDNS keeps k8s-app=kube-dns). */
  dnsNamespace: z.string().regex(dns1123Label, 'must be a DNS-1123 label').default('kube-system'),
  dnsPodLabels: z
    .record(z.string().regex(qualifiedName, 'must be a label key'), z.string().regex(labelValue, 'must be a label value'))
    .default({ 'k8s-app': 'kube-dns' }),
});
export type OperatorConfig = z.output<typeof OperatorConfig>;

export const defaultOperatorConfig: OperatorConfig = Object.freeze(OperatorConfig.parse({}));

/** The environment variable of each field; lists are comma-separated, maps key=value,key=value. */
export const operatorConfigEnv = {
  operatorNamespace: 'BULKHEAD_OPERATOR_NAMESPACE',
  operatorServiceAccount: 'BULKHEAD_OPERATOR_SERVICE_ACCOUNT',
  ceilingClusterRole: 'BULKHEAD_CEILING_CLUSTER_ROLE',
  bindableClusterRoles: 'BULKHEAD_BINDABLE_CLUSTER_ROLES',
  agentPodsAdmissionPolicyName: 'BULKHEAD_AGENT_PODS_ADMISSION_POLICY',
  priorityLevelName: 'BULKHEAD_PRIORITY_LEVEL',
  flowSchemaMatchingPrecedence: 'BULKHEAD_FLOW_SCHEMA_PRECEDENCE',
  dnsNamespace: 'BULKHEAD_DNS_NAMESPACE',
  dnsPodLabels: 'BULKHEAD_DNS_POD_LABELS',
} as const satisfies Record<keyof OperatorConfig, string>;

export class OperatorConfigError extends Error {
  override readonly name = 'OperatorConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid operator configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Reads BULKHEAD_* variables over the defaults; throws OperatorConfigError naming each bad variable. */
export function loadOperatorConfig(env: Readonly<Record<string, string | undefined>>): OperatorConfig {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, variable] of Object.entries(operatorConfigEnv)) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    if (key === 'bindableClusterRoles') {
      raw[key] = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    } else if (key === 'dnsPodLabels') {
      const pairs = text.split(',').map((s) => s.trim().split('='));
      if (pairs.some((p) => p.length !== 2)) problems.push(`${variable}: must be key=value pairs separated by commas`);
      raw[key] = Object.fromEntries(pairs.filter((p) => p.length === 2));
    } else if (key === 'flowSchemaMatchingPrecedence') {
      raw[key] = /^[0-9]+$/.test(text) ? Number(text) : text;
    } else {
      raw[key] = text;
    }
  }
  const result = OperatorConfig.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = String(issue.path[0]) as keyof OperatorConfig;
      problems.push(`${operatorConfigEnv[field] ?? field}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new OperatorConfigError(problems);
  return result.data;
}
