/**
 * The agent's identity: every RoleBinding and ClusterRoleBinding in the cluster whose subjects include its
 * ServiceAccount, directly (kind ServiceAccount, or the User system:serviceaccount:<ns>:<name>) or through the groups
 * its token carries (system:serviceaccounts, system:serviceaccounts:<ns>, system:authenticated); the rules they
 * grant; and, when the caller ran them, the SubjectAccessReview answers for the sensitive actions.
 *
 * Expected: the policy's own RoleBindings (same namespace, name and role), and the Kubernetes defaults every
 * authenticated identity has (bootstrap bindings labelled kubernetes.io/bootstrapping=rbac-defaults, matched through
 * a group). Anything else is a ForeignBinding.
 */
import { accessChecks, serviceAccountIdentity } from './access-matrix.ts';
import { expected, findingReasons, widening, type Finding } from './finding.ts';
import type { AuditIndex } from './index.ts';
import { describeRef, refOf, type Binding, type ObjectRef, type Rule } from './objects.ts';
import { bindingReaches, formatAttributes, formatRule, rulesAllow, type ResourceAttributes } from './rbac-rules.ts';

export interface BindingView {
  readonly binding: ObjectRef;
  readonly role: ObjectRef;
  /** "cluster-wide" or "in <namespace>". */
  readonly scope: string;
  /** The subject that names the agent: "ServiceAccount agent-x/agent", "Group system:authenticated". */
  readonly via: string;
  readonly verdict: 'expected' | 'widening';
  readonly reason: string;
  /** Readable rules of the role; undefined when the role does not exist (the binding grants nothing yet). */
  readonly rules: readonly string[] | undefined;
}

export interface AccessRow {
  readonly id: string;
  readonly action: string;
  /** The authorizer's answer; undefined when no SubjectAccessReview was made (the controller's periodic audit). */
  readonly allowed: boolean | undefined;
  /** What the policy's own bindings and the Kubernetes defaults allow. */
  readonly expected: boolean;
  /** The foreign binding whose rules allow it, when one does. */
  readonly grantedBy?: ObjectRef;
}

export interface IdentityView {
  readonly serviceAccount: ObjectRef;
  readonly bindings: readonly BindingView[];
  readonly access: readonly AccessRow[];
  readonly findings: readonly Finding[];
}

/** SubjectAccessReview answers for one agent, by access check id. */
export type AccessDecisions = ReadonlyMap<string, boolean>;

export const bootstrapLabel = 'kubernetes.io/bootstrapping';

interface Matched {
  readonly binding: Binding;
  readonly subjectKeys: readonly string[];
}

function matchingBindings(index: AuditIndex, namespace: string, serviceAccount: string): Matched[] {
  const identity = serviceAccountIdentity(namespace, serviceAccount);
  const keys = [
    `ServiceAccount:${namespace}:${serviceAccount}`,
    `User:${identity.user}`,
    ...identity.groups.map((g) => `Group:${g}`),
  ];
  const byId = new Map<string, { binding: Binding; subjectKeys: string[] }>();
  for (const key of keys) {
    for (const binding of index.bindingsFor(key)) {
      const id = `${binding.kind}/${binding.metadata.namespace ?? ''}/${binding.metadata.name}`;
      const entry = byId.get(id) ?? { binding, subjectKeys: [] };
      entry.subjectKeys.push(key);
      byId.set(id, entry);
    }
  }
  return [...byId.values()].sort((a, b) => (idOf(a.binding) < idOf(b.binding) ? -1 : 1));
}

const idOf = (b: Binding): string => `${b.kind === 'ClusterRoleBinding' ? 0 : 1}/${b.metadata.namespace ?? ''}/${b.metadata.name}`;

function roleRules(index: AuditIndex, binding: Binding): readonly Rule[] | undefined {
  const role =
    binding.roleRef.kind === 'ClusterRole'
      ? index.clusterRole(binding.roleRef.name)
      : index.role(binding.metadata.namespace ?? '', binding.roleRef.name);
  return role === undefined ? undefined : (role.rules ?? []);
}

function isDesired(binding: Binding, desired: readonly Binding[]): boolean {
  return desired.some(
    (d) =>
      d.kind === binding.kind &&
      d.metadata.name === binding.metadata.name &&
      (d.metadata.namespace ?? '') === (binding.metadata.namespace ?? '') &&
      d.roleRef.kind === binding.roleRef.kind &&
      d.roleRef.name === binding.roleRef.name,
  );
}

function isKubernetesDefault(m: Matched): boolean {
  return m.binding.metadata.labels?.[bootstrapLabel] === 'rbac-defaults' && m.subjectKeys.every((k) => k.startsWith('Group:'));
}

const describeKey = (key: string): string => {
  const [kind, ...rest] = key.split(':');
  return kind === 'ServiceAccount' ? `ServiceAccount ${rest.join('/')}` : `${kind} ${rest.join(':')}`;
};

export function evaluateIdentity(
  index: AuditIndex,
  namespace: string,
  serviceAccount: string,
  desiredBindings: readonly Binding[],
  decisions?: AccessDecisions,
): IdentityView {
  const findings: Finding[] = [];
  const bindings: BindingView[] = [];
  const grantsByVerdict = { expected: [] as { binding: Binding; rules: readonly Rule[] }[], widening: [] as { binding: Binding; rules: readonly Rule[] }[] };
  for (const m of matchingBindings(index, namespace, serviceAccount)) {
    const ref = refOf(m.binding.kind, m.binding.metadata);
    const role: ObjectRef = {
      kind: m.binding.roleRef.kind,
      name: m.binding.roleRef.name,
      ...(m.binding.roleRef.kind === 'Role' && m.binding.metadata.namespace !== undefined ? { namespace: m.binding.metadata.namespace } : {}),
    };
    const scope = m.binding.kind === 'ClusterRoleBinding' ? 'cluster-wide' : `in ${m.binding.metadata.namespace ?? ''}`;
    const rules = roleRules(index, m.binding);
    const via = m.subjectKeys.map(describeKey).join(', ');
    const verdict = isDesired(m.binding, desiredBindings) ? 'expected' : isKubernetesDefault(m) ? 'expected' : 'widening';
    const reason =
      verdict === 'widening' ? findingReasons.foreignBinding : isKubernetesDefault(m) && !isDesired(m.binding, desiredBindings) ? findingReasons.kubernetesDefault : findingReasons.expected;
    bindings.push({ binding: ref, role, scope, via, verdict, reason, rules: rules?.map(formatRule) });
    grantsByVerdict[verdict].push({ binding: m.binding, rules: rules ?? [] });
    const grant = `grants ${describeRef(role)} ${scope} to ${via}${rules === undefined ? ' (the role does not exist yet)' : ''}`;
    findings.push(verdict === 'widening' ? widening('identity', findingReasons.foreignBinding, ref, grant) : expected('identity', `${describeRef(ref)} ${grant}`, ref, reason));
  }

  const allows = (grants: readonly { binding: Binding; rules: readonly Rule[] }[], a: ResourceAttributes): Binding | undefined =>
    grants.find((g) => bindingReaches(g.binding, a) && rulesAllow(g.rules, a))?.binding;
  const access: AccessRow[] = accessChecks(namespace, serviceAccount).map((check) => {
    const by = allows(grantsByVerdict.widening, check.attributes);
    return {
      id: check.id,
      action: formatAttributes(check.attributes),
      allowed: decisions?.get(check.id),
      expected: allows(grantsByVerdict.expected, check.attributes) !== undefined,
      ...(by === undefined ? {} : { grantedBy: refOf(by.kind, by.metadata) }),
    };
  });
  const serviceAccountRef: ObjectRef = { kind: 'ServiceAccount', namespace, name: serviceAccount };
  for (const row of access) {
    if (row.allowed !== true || row.expected) continue;
    const cause = row.grantedBy ?? serviceAccountRef;
    const through = row.grantedBy === undefined ? ' (no binding the audit sees explains it: another authorizer allows it)' : '';
    findings.push(widening('identity', findingReasons.accessWidened, cause, `the agent may ${row.action}${through}`));
  }
  return { serviceAccount: serviceAccountRef, bindings, access, findings };
}
