import type { PolicyRule } from '../api/v1alpha1/ceiling.ts';
import { agentNamespaceName, effectiveLimits } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import { quantityValue } from '../api/quantity.ts';
import type { OperatorConfig } from '../config.ts';
import { uncoveredGrants } from './ceiling-coverage.ts';
import { formatPath, type ValidationIssue } from './issues.ts';

/** What semantic validation checks against: the operator's configuration and the live (or default) ceiling. */
export interface SemanticContext {
  readonly config: Pick<OperatorConfig, 'operatorNamespace' | 'ceilingClusterRole' | 'bindableClusterRoles'>;
  readonly ceilingRules: readonly PolicyRule[];
}

/**
 * The rules no CRD can state because they depend on the operator's configuration or the cluster: the operator's
 * own namespace, the permission ceiling, the bindable ClusterRoles, and the LimitRange ordering after defaults.
 * Runs on a policy the schema already accepted; the controller and `bulkhead validate` both call it.
 */
export function validateSemantics(policy: AgentPolicy, context: SemanticContext): ValidationIssue[] {
  return [
    ...checkNamespace(policy, context),
    ...checkCeiling(policy, context),
    ...checkClusterRoles(policy, context),
    ...checkLimits(policy),
  ];
}

function checkNamespace(policy: AgentPolicy, { config }: SemanticContext): ValidationIssue[] {
  if (agentNamespaceName(policy) !== config.operatorNamespace) return [];
  const path = policy.spec.namespace.name === undefined ? 'metadata.name' : 'spec.namespace.name';
  return [{ path, message: `the agent namespace must not be the operator namespace "${config.operatorNamespace}"` }];
}

function checkCeiling(policy: AgentPolicy, { config, ceilingRules }: SemanticContext): ValidationIssue[] {
  return policy.spec.rbac.rules.flatMap((rule, ruleIndex) =>
    uncoveredGrants(rule, ceilingRules).map((g) => ({
      path: formatPath(['spec', 'rbac', 'rules', ruleIndex, 'verbs', g.verbIndex]),
      message:
        `"${g.verb}" on ${g.resource} (group ${g.apiGroup === '' ? 'core' : `"${g.apiGroup}"`}) lies outside the ` +
        `permission ceiling ClusterRole ${config.ceilingClusterRole}`,
    })),
  );
}

function checkClusterRoles(policy: AgentPolicy, { config }: SemanticContext): ValidationIssue[] {
  return policy.spec.rbac.clusterRoles.flatMap((name, i) =>
    config.bindableClusterRoles.includes(name)
      ? []
      : [
          {
            path: formatPath(['spec', 'rbac', 'clusterRoles', i]),
            message: `ClusterRole "${name}" is not bindable; the operator allows: ${config.bindableClusterRoles.join(', ') || '(none)'}`,
          },
        ],
  );
}

/** The API server refuses a LimitRange whose defaultRequest exceeds default or default exceeds max. */
function checkLimits(policy: AgentPolicy): ValidationIssue[] {
  const limits = policy.spec.resources.limits;
  const effective = effectiveLimits(limits);
  const issues: ValidationIssue[] = [];
  const compare = (
    lowName: 'default' | 'defaultRequest',
    low: Record<string, string | number>,
    highName: 'default' | 'max',
    high: Record<string, string | number>,
  ): void => {
    for (const [resource, value] of Object.entries(low)) {
      const cap = high[resource];
      if (cap === undefined || quantityValue(value) <= quantityValue(cap)) continue;
      // Name the field the user wrote: the lower one if they set it, else the cap that squeezed a default.
      const blame = limits[lowName]?.[resource] !== undefined ? lowName : highName;
      issues.push({
        path: formatPath(['spec', 'resources', 'limits', blame, resource]),
        message: `${lowName} ${resource} ${value} exceeds ${highName} ${cap}`,
      });
    }
  };
  compare('defaultRequest', effective.defaultRequest, 'default', effective.default);
  if (effective.max !== undefined) compare('default', effective.default, 'max', effective.max);
  return issues;
}
