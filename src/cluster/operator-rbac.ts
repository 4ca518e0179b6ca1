/**
 * The operator's own identity and permissions, generated from the resource table so they can never drift from what
 * the controller actually writes. Least privilege: exact verbs per kind, no wildcards, no `escalate` and no
 * `impersonate`; `bind` only on the named ClusterRoles. The permission ceiling itself is not granted cluster-wide:
 * the operator binds itself to it inside each agent namespace (RoleBinding bulkhead-operator) before writing the
 * agent Role there.
 */
import { group, plural } from '../api/v1alpha1/well-known.ts';
import { apiGroupOf, optionalKindCrdNames, resourceTable, verifiedKinds } from '../envelope/resource-table.ts';
import { installLabels } from './labels.ts';

export interface OperatorRbacOptions {
  readonly operatorNamespace: string;
  readonly operatorServiceAccount: string;
  readonly ceilingClusterRole: string;
  readonly bindableClusterRoles: readonly string[];
  /** Name of the operator's ClusterRole, ClusterRoleBinding and leader-election Role. */
  readonly name: string;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const labels = installLabels('operator');

/**
 * The isolation audit's reads inside agent namespaces: pods (do they run sandboxed?) and secrets (did a SealedSecret
 * produce them? only metadata is requested). The operator binds it to itself in each agent namespace (RoleBinding
 * bulkhead-operator-audit), never cluster-wide, so it can list no Secret outside the agent namespaces.
 */
export const operatorAuditRoleName = 'bulkhead-operator-audit';
export const operatorAuditRules: readonly Rule[] = [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['list'] }];

export function operatorClusterRoleRules(options: OperatorRbacOptions): Rule[] {
  const envelope: Rule[] = [...resourceTable, ...verifiedKinds].map((r) => ({
    apiGroups: [apiGroupOf(r.apiVersion)],
    resources: [r.plural],
    verbs: [...r.operatorVerbs],
  }));
  return [
    { apiGroups: [group], resources: [plural], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
    { apiGroups: [group], resources: [`${plural}/status`], verbs: ['get', 'patch', 'update'] },
    // Setting blockOwnerDeletion on children needs update on the owner's finalizers subresource.
    { apiGroups: [group], resources: [`${plural}/finalizers`], verbs: ['update'] },
    ...envelope,
    // Reads the ceiling to validate rules against it; binds only the ceiling and the audit role (to itself) and the
    // bindable roles.
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['get', 'list', 'watch'], resourceNames: [options.ceilingClusterRole] },
    {
      apiGroups: ['rbac.authorization.k8s.io'],
      resources: ['clusterroles'],
      verbs: ['bind'],
      resourceNames: [...new Set([options.ceilingClusterRole, operatorAuditRoleName, ...options.bindableClusterRoles])].sort(),
    },
    // The isolation audit watches which bindings name an agent, and the rules of the roles they bind.
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings', 'clusterroles'], verbs: ['list', 'watch'] },
    { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    // Watches the CRDs of optional kinds by name, to notice at once when Sealed Secrets is installed or removed.
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'], resourceNames: [...optionalKindCrdNames] },
  ];
}

/** ServiceAccount, ClusterRole, ClusterRoleBinding, the audit ClusterRole, and the leader-election Role and RoleBinding. */
export function operatorRbac(options: OperatorRbacOptions): object[] {
  const subject = { kind: 'ServiceAccount', name: options.operatorServiceAccount, namespace: options.operatorNamespace };
  const rbacApi = 'rbac.authorization.k8s.io/v1';
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: options.operatorServiceAccount, namespace: options.operatorNamespace, labels },
    },
    { apiVersion: rbacApi, kind: 'ClusterRole', metadata: { name: options.name, labels }, rules: operatorClusterRoleRules(options) },
    {
      apiVersion: rbacApi,
      kind: 'ClusterRoleBinding',
      metadata: { name: options.name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: options.name },
      subjects: [subject],
    },
    {
      apiVersion: rbacApi,
      kind: 'ClusterRole',
      metadata: { name: operatorAuditRoleName, labels },
      rules: operatorAuditRules.map((r) => ({ ...r })),
    },
    {
      apiVersion: rbacApi,
      kind: 'Role',
      metadata: { name: `${options.name}-leader-election`, namespace: options.operatorNamespace, labels },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
    },
    {
      apiVersion: rbacApi,
      kind: 'RoleBinding',
      metadata: { name: `${options.name}-leader-election`, namespace: options.operatorNamespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${options.name}-leader-election` },
      subjects: [subject],
    },
  ];
}
