/**
 * What `bulkhead audit` (and the controller's periodic audit) reads from the API server: one paginated list per
 * kind, cluster-wide, once per run however many policies are audited, and the SubjectAccessReviews of the access
 * matrix. Secrets are listed as metadata only (PartialObjectMetadataList): the audit never receives a secret value.
 * Pods are cut down to the fields the audit reads as they arrive, so a large cluster's pods cost little memory.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { accessChecks, serviceAccountIdentity } from '../audit/access-matrix.ts';
import type { AccessDecisions } from '../audit/identity.ts';
import type { AuditObjects, Pod, SecretMeta } from '../audit/objects.ts';
import { apiVersion as policyApiVersion, kind as policyKind, plural as policyPlural } from '../api/v1alpha1/well-known.ts';
import type { KubeClients } from './client.ts';
import { KubeApiError, kubeCall } from './errors.ts';
import { dropManagedFields } from './informer.ts';
import { kubeListWatch, type ListWatchTarget } from './list-watch.ts';
import { usePlainJson } from './raw-serialization.ts';

export interface AuditSnapshot {
  /** Every AgentPolicy as stored (unvalidated). */
  readonly policies: readonly KubernetesObject[];
  readonly objects: AuditObjects;
  /** Namespaces of the scope whose pods or secrets could not be listed (403: the audit role is not bound there yet). */
  readonly unreadable: readonly string[];
}

type Target = Omit<ListWatchTarget, 'labelSelector' | 'pageSize'>;

const targets = {
  policies: { apiVersion: policyApiVersion, kind: policyKind, plural: policyPlural },
  namespaces: { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces' },
  networkPolicies: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies' },
  roleBindings: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings' },
  clusterRoleBindings: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings' },
  roles: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' },
  clusterRoles: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles' },
  pods: { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
  secrets: { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  runtimeClasses: { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', plural: 'runtimeclasses' },
  admissionPolicies: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies' },
  admissionBindings: {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    plural: 'validatingadmissionpolicybindings',
  },
} as const satisfies Record<string, Target>;

/** Kinds a snapshot lists, for RBAC and documentation: "list" on each is what the audit needs. */
export const auditedKinds: readonly Target[] = Object.values(targets);

const withoutManagedFields = <T>(object: T): T => dropManagedFields(object, () => false);

/** A pod reduced to what the runtime audit reads. */
function slimPod(pod: KubernetesObject & Pod): Pod {
  const { name = '', namespace, labels, ownerReferences, deletionTimestamp } = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }), ...(labels === undefined ? {} : { labels }), ...(ownerReferences === undefined ? {} : { ownerReferences }), ...(deletionTimestamp === undefined ? {} : { deletionTimestamp }) },
    spec: {
      ...(spec.runtimeClassName === undefined ? {} : { runtimeClassName: spec.runtimeClassName }),
      ...(spec.serviceAccountName === undefined ? {} : { serviceAccountName: spec.serviceAccountName }),
      ...(spec.hostNetwork === undefined ? {} : { hostNetwork: spec.hostNetwork }),
      ...(spec.hostPID === undefined ? {} : { hostPID: spec.hostPID }),
      ...(spec.hostIPC === undefined ? {} : { hostIPC: spec.hostIPC }),
    },
    ...(pod.status?.phase === undefined ? {} : { status: { phase: pod.status.phase } }),
  };
}

async function listAll(clients: KubeClients, target: Target & { namespace?: string }, metadataOnly = false): Promise<KubernetesObject[]> {
  if (metadataOnly) usePlainJson('meta.k8s.io/v1', 'PartialObjectMetadataList');
  const source = kubeListWatch({ kubeConfig: clients.kubeConfig, objects: metadataOnly ? clients.metadata : clients.objects }, target);
  return (await source.list()).items.map(withoutManagedFields) as KubernetesObject[];
}

export interface SnapshotScope {
  /**
   * List pods and secrets only in these namespaces, one request each (the operator may list them only where it bound
   * its audit role: agent namespaces); undefined lists them cluster-wide in one request each (bulkhead audit).
   */
  readonly namespaces?: readonly string[];
}

/** Pods or secrets in every namespace of the scope, a few namespaces at a time; a namespace not there yet has none. */
async function listScoped(
  clients: KubeClients,
  target: Target,
  scope: SnapshotScope,
  unreadable: Set<string>,
  metadataOnly = false,
): Promise<KubernetesObject[]> {
  if (scope.namespaces === undefined) return listAll(clients, target, metadataOnly);
  const pages = await mapLimit(scope.namespaces, 8, (namespace) =>
    listAll(clients, { ...target, namespace }, metadataOnly).catch((error: unknown) => {
      if (!isForbidden(error)) throw error;
      unreadable.add(namespace);
      return [];
    }),
  );
  return pages.flat();
}

const isForbidden = (error: unknown): boolean => error instanceof KubeApiError && error.category === 'Forbidden';

/** A read inside an agent namespace, or 'forbidden' while the operator's audit role is not in effect there. */
async function unlessForbidden<T>(read: Promise<T>): Promise<T | 'forbidden'> {
  try {
    return await read;
  } catch (error) {
    if (isForbidden(error)) return 'forbidden';
    throw error;
  }
}

const listSecretMetadata = async (clients: KubeClients, namespace: string): Promise<readonly SecretMeta[]> =>
  (await listAll(clients, { ...targets.secrets, namespace }, true)) as unknown as SecretMeta[];

/** The pods and secret metadata of one agent namespace. */
export function readNamespaceContents(
  clients: KubeClients,
  namespace: string,
): Promise<{ readonly pods: readonly Pod[]; readonly secrets: readonly SecretMeta[] } | 'forbidden'> {
  const pods = listAll(clients, { ...targets.pods, namespace }).then((list) => list.map((p) => slimPod(p as KubernetesObject & Pod)));
  return unlessForbidden(Promise.all([pods, listSecretMetadata(clients, namespace)]).then(([p, secrets]) => ({ pods: p, secrets })));
}

/** The secret metadata of one agent namespace (the isolation audit's sweep). */
export function readNamespaceSecrets(clients: KubeClients, namespace: string): Promise<readonly SecretMeta[] | 'forbidden'> {
  return unlessForbidden(listSecretMetadata(clients, namespace));
}

/** One list per kind, all at once (per namespace of the scope for pods and secrets); the policies too. */
export async function readAuditSnapshot(clients: KubeClients, scope: SnapshotScope = {}): Promise<AuditSnapshot> {
  const unreadable = new Set<string>();
  const [policies, namespaces, networkPolicies, roleBindings, clusterRoleBindings, roles, clusterRoles, pods, secrets, runtimeClasses, admissionPolicies, admissionBindings] =
    await Promise.all([
      listAll(clients, targets.policies),
      listAll(clients, targets.namespaces),
      listAll(clients, targets.networkPolicies),
      listAll(clients, targets.roleBindings),
      listAll(clients, targets.clusterRoleBindings),
      listAll(clients, targets.roles),
      listAll(clients, targets.clusterRoles),
      listScoped(clients, targets.pods, scope, unreadable).then((list) => list.map((p) => slimPod(p as KubernetesObject & Pod))),
      listScoped(clients, targets.secrets, scope, unreadable, true),
      listAll(clients, targets.runtimeClasses),
      listAll(clients, targets.admissionPolicies),
      listAll(clients, targets.admissionBindings),
    ]);
  const objects = {
    namespaces,
    networkPolicies,
    roleBindings,
    clusterRoleBindings,
    roles,
    clusterRoles,
    pods,
    secrets,
    runtimeClasses,
    admissionPolicies,
    admissionBindings,
  } as unknown as AuditObjects;
  return { policies, objects, unreadable: [...unreadable].sort() };
}

export interface AgentIdentity {
  readonly policy: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The access matrix of every agent, asked of the authorizer as the agent's ServiceAccount (user name and groups),
 * `concurrency` reviews in flight. Resolves to the answers by policy name, then by check id.
 */
export async function reviewAccess(
  clients: KubeClients,
  agents: readonly AgentIdentity[],
  concurrency = 16,
): Promise<Map<string, AccessDecisions>> {
  const questions = agents.flatMap((agent) => accessChecks(agent.namespace, agent.serviceAccount).map((check) => ({ agent, check })));
  const answers = await mapLimit(questions, concurrency, async ({ agent, check }) => {
    const { user, groups } = serviceAccountIdentity(agent.namespace, agent.serviceAccount);
    const a = check.attributes;
    const review = await kubeCall({ verb: 'create', kind: 'SubjectAccessReview' }, () =>
      clients.authorization.createSubjectAccessReview({
        body: {
          spec: {
            user,
            groups,
            resourceAttributes: {
              verb: a.verb,
              group: a.group,
              resource: a.resource,
              ...(a.subresource === undefined ? {} : { subresource: a.subresource }),
              ...(a.name === undefined ? {} : { name: a.name }),
              namespace: a.namespace,
            },
          },
        },
      }),
    );
    return review.status?.allowed === true;
  });
  const decisions = new Map<string, Map<string, boolean>>();
  questions.forEach(({ agent, check }, i) => {
    const forAgent = decisions.get(agent.policy) ?? new Map<string, boolean>();
    forAgent.set(check.id, answers[i] === true);
    decisions.set(agent.policy, forAgent);
  });
  return decisions;
}
