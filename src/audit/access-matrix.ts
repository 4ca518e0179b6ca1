/**
 * The sensitive actions an audit asks the API server's authorizer about (SubjectAccessReview), per agent: the ones
 * that turn a compromised agent into a compromised cluster. Each is asked with the agent ServiceAccount's user name
 * and groups, so every authorizer in the chain (RBAC, webhooks, Node) answers, not only the bindings we can see.
 */
import type { ResourceAttributes } from './rbac-rules.ts';

export interface AccessCheck {
  /** Stable id for JSON output and tests. */
  readonly id: string;
  readonly attributes: ResourceAttributes;
}

/** Where "elsewhere" is: a namespace that always exists and holds the cluster's own credentials. */
export const elsewhereNamespace = 'kube-system';

export function accessChecks(namespace: string, serviceAccount: string): AccessCheck[] {
  const own = namespace;
  const cluster = '';
  const check = (id: string, attributes: ResourceAttributes): AccessCheck => ({ id, attributes });
  return [
    check('secrets-elsewhere', { verb: 'get', group: '', resource: 'secrets', namespace: elsewhereNamespace }),
    check('secrets-list-all', { verb: 'list', group: '', resource: 'secrets', namespace: cluster }),
    check('secrets-list-own', { verb: 'list', group: '', resource: 'secrets', namespace: own }),
    check('rbac-rolebindings', { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: own }),
    check('rbac-clusterrolebindings', { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', namespace: cluster }),
    check('rbac-escalate', { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', namespace: cluster }),
    check('rbac-bind', { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', namespace: cluster }),
    check('pods-exec-own', { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: own }),
    check('pods-exec-elsewhere', { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: elsewhereNamespace }),
    check('impersonate-users', { verb: 'impersonate', group: '', resource: 'users', namespace: cluster }),
    check('impersonate-serviceaccounts', { verb: 'impersonate', group: '', resource: 'serviceaccounts', namespace: cluster }),
    check('nodes-list', { verb: 'list', group: '', resource: 'nodes', namespace: cluster }),
    check('nodes-proxy', { verb: 'get', group: '', resource: 'nodes', subresource: 'proxy', namespace: cluster }),
    check('token-request', { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', name: serviceAccount, namespace: own }),
    check('namespaces-list', { verb: 'list', group: '', resource: 'namespaces', namespace: cluster }),
    check('clusterroles-list', { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', namespace: cluster }),
    check('networkpolicies-write', { verb: 'patch', group: 'networking.k8s.io', resource: 'networkpolicies', namespace: own }),
    check('namespace-write', { verb: 'patch', group: '', resource: 'namespaces', name: own, namespace: cluster }),
    check('agentpolicies-write', { verb: 'update', group: 'bulkhead.dev', resource: 'agentpolicies', namespace: cluster }),
  ];
}

/** The user name and groups a ServiceAccount's token carries: what a SubjectAccessReview must name. */
export function serviceAccountIdentity(namespace: string, serviceAccount: string): { user: string; groups: string[] } {
  return {
    user: `system:serviceaccount:${namespace}:${serviceAccount}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}
