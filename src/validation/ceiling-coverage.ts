import type { PolicyRule } from '../api/v1alpha1/ceiling.ts';

/** One (apiGroup, resource, verb) a rule grants that no ceiling rule covers. */
export interface UncoveredGrant {
  readonly verbIndex: number;
  readonly apiGroup: string;
  readonly resource: string;
  readonly verb: string;
}

const allows = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

/**
 * What `rule` grants beyond the ceiling, the way the RBAC authorizer judges escalation: every (group, resource,
 * verb) must be covered by one ceiling rule, and a ceiling rule limited to resourceNames covers only rules limited
 * to a subset of those names.
 */
export function uncoveredGrants(rule: PolicyRule, ceiling: readonly PolicyRule[]): UncoveredGrant[] {
  const out: UncoveredGrant[] = [];
  rule.verbs.forEach((verb, verbIndex) => {
    for (const apiGroup of rule.apiGroups) {
      for (const resource of rule.resources) {
        const covered = ceiling.some(
          (c) =>
            allows(c.apiGroups, apiGroup) &&
            allows(c.resources, resource) &&
            allows(c.verbs, verb) &&
            (c.resourceNames === undefined ||
              c.resourceNames.length === 0 ||
              (rule.resourceNames !== undefined &&
                rule.resourceNames.length > 0 &&
                rule.resourceNames.every((n) => c.resourceNames?.includes(n)))),
        );
        if (!covered) out.push({ verbIndex, apiGroup, resource, verb });
      }
    }
  });
  return out;
}
