import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { operatorAuditRoleName } from '../cluster/operator-rbac.ts';
import { operatorRoleBindingName } from '../envelope/resource-table.ts';
import { ownedMeta, type DesiredContext } from './context.ts';

export const agentRoleName = 'bulkhead-agent';

/**
 * The agent's identity and permissions: its ServiceAccount; the operator's binding to the ceiling in this namespace
 * only (so the operator can write the agent Role without holding the ceiling cluster-wide or `escalate`); its binding
 * to the audit role, so the isolation audit lists pods and secret metadata here and nowhere else; the agent
 * Role and its binding, only when there are rules (an empty Role grants nothing, so it is left out); and one binding
 * per allowed ClusterRole.
 */
export function rbacObjects(context: DesiredContext): (IServiceAccount | IRole | IRoleBinding)[] {
  const { rbac } = context.policy.spec;
  const ns = context.namespace;
  const agent = { kind: 'ServiceAccount', name: rbac.serviceAccountName, namespace: ns };
  const objects: (IServiceAccount | IRole | IRoleBinding)[] = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: ownedMeta(context, rbac.serviceAccountName, ns),
      automountServiceAccountToken: rbac.automountToken,
      imagePullSecrets: [],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: ownedMeta(context, operatorRoleBindingName, ns),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: context.config.ceilingClusterRole },
      subjects: [
        { kind: 'ServiceAccount', name: context.config.operatorServiceAccount, namespace: context.config.operatorNamespace },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: ownedMeta(context, operatorAuditRoleName, ns),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: operatorAuditRoleName },
      subjects: [
        { kind: 'ServiceAccount', name: context.config.operatorServiceAccount, namespace: context.config.operatorNamespace },
      ],
    },
  ];
  if (rbac.rules.length > 0) {
    objects.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: ownedMeta(context, agentRoleName, ns),
        rules: rbac.rules.map((r) => ({
          apiGroups: [...r.apiGroups],
          resources: [...r.resources],
          verbs: [...r.verbs],
          ...(r.resourceNames === undefined ? {} : { resourceNames: [...r.resourceNames] }),
        })),
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: ownedMeta(context, agentRoleName, ns),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: agentRoleName },
        subjects: [{ ...agent }],
      },
    );
  }
  for (const clusterRole of rbac.clusterRoles) {
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: ownedMeta(context, `${agentRoleName}-${clusterRole}`, ns),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ ...agent }],
    });
  }
  return objects;
}
