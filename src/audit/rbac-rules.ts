/**
 * The RBAC authorizer's matching, pure: does a rule, granted by a binding in some scope, allow one request? Used to
 * say what the policy's own bindings are expected to allow, and which foreign binding explains an allowed request.
 */
import type { Binding, Rule } from './objects.ts';

/** The resource attributes of a SubjectAccessReview; namespace "" is the cluster scope (or every namespace). */
export interface ResourceAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly name?: string;
  readonly namespace: string;
}

const has = (list: readonly string[] | undefined, value: string): boolean => (list ?? []).includes('*') || (list ?? []).includes(value);

function resourceMatches(rule: Rule, a: ResourceAttributes): boolean {
  const resources = rule.resources ?? [];
  if (resources.includes('*')) return true;
  if (a.subresource === undefined || a.subresource === '') return resources.includes(a.resource);
  return resources.includes(`${a.resource}/${a.subresource}`) || resources.includes(`*/${a.subresource}`) || resources.includes(`${a.resource}/*`);
}

export function ruleAllows(rule: Rule, a: ResourceAttributes): boolean {
  if ((rule.nonResourceURLs ?? []).length > 0 && (rule.resources ?? []).length === 0) return false;
  if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.group) || !resourceMatches(rule, a)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

/** A RoleBinding grants only inside its namespace; a ClusterRoleBinding everywhere, cluster scope included. */
export function bindingReaches(binding: Binding, a: ResourceAttributes): boolean {
  return binding.kind === 'ClusterRoleBinding' || binding.metadata.namespace === a.namespace;
}

export function rulesAllow(rules: readonly Rule[], a: ResourceAttributes): boolean {
  return rules.some((r) => ruleAllows(r, a));
}

/** "get, list pods, pods/log (core)", with the resource names when the rule has them. */
export function formatRule(rule: Rule): string {
  if ((rule.nonResourceURLs ?? []).length > 0) return `${rule.verbs.join(', ')} ${rule.nonResourceURLs?.join(', ')}`;
  const groups = (rule.apiGroups ?? []).map((g) => (g === '' ? 'core' : g)).join(', ');
  const names = (rule.resourceNames ?? []).length > 0 ? ` named ${rule.resourceNames?.join(', ')}` : '';
  return `${rule.verbs.join(', ')} ${(rule.resources ?? []).join(', ')} (${groups})${names}`;
}

export function formatAttributes(a: ResourceAttributes): string {
  const resource = `${a.group === '' ? '' : `${a.group}/`}${a.resource}${a.subresource === undefined ? '' : `/${a.subresource}`}`;
  const where = a.namespace === '' ? 'cluster-wide' : `in ${a.namespace}`;
  return `${a.verb} ${resource}${a.name === undefined ? '' : ` ${a.name}`} ${where}`;
}
