/**
 * Which stored AgentPolicies an audit covers, validated and defaulted the way the controller does it (against the
 * ceiling ClusterRole as it is on the cluster), so each is audited against the envelope the controller would build.
 */
import { defaultCeilingRules, type PolicyRule } from '../api/v1alpha1/ceiling.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { formatIssue } from '../validation/issues.ts';
import { validateAgentPolicy } from '../validation/validate.ts';
import type { AuditObjects } from './objects.ts';

export interface SelectedPolicies {
  readonly valid: readonly AgentPolicy[];
  readonly invalid: readonly { readonly policy: string; readonly problems: readonly string[] }[];
  /** Names asked for that no stored policy has. */
  readonly missing: readonly string[];
}

const nameOf = (raw: unknown): string => (raw as { metadata?: { name?: string } }).metadata?.name ?? '';

/** `names` empty: every policy, by name. The ceiling is read from the snapshot (the default when it is missing). */
export function selectPolicies(stored: readonly unknown[], names: readonly string[], objects: AuditObjects, config: OperatorConfig): SelectedPolicies {
  const byName = new Map(stored.map((p) => [nameOf(p), p]));
  const missing = names.filter((n) => !byName.has(n));
  const chosen = names.length === 0 ? [...byName.keys()].sort() : [...new Set(names)].filter((n) => byName.has(n));
  const ceiling = objects.clusterRoles.find((r) => r.metadata.name === config.ceilingClusterRole);
  const ceilingRules = (ceiling?.rules as readonly PolicyRule[] | undefined) ?? defaultCeilingRules;
  const valid: AgentPolicy[] = [];
  const invalid: { policy: string; problems: string[] }[] = [];
  for (const name of chosen) {
    const result = validateAgentPolicy(byName.get(name), { config, ceilingRules });
    if (result.ok) valid.push(result.policy);
    else invalid.push({ policy: name, problems: result.issues.map(formatIssue) });
  }
  return { valid, invalid, missing };
}
