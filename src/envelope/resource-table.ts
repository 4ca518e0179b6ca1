/**
 * Every kind Bulkhead writes, in one table: it drives the informers (one per kind), the apply order, pruning
 * (which kinds to list for owned leftovers) and the operator's RBAC in the chart. Pure data; no API calls.
 */
export interface ResourceKind {
  /** apiVersion as written in manifests, e.g. "networking.k8s.io/v1". */
  readonly apiVersion: string;
  readonly kind: string;
  /** The plural resource name used in URLs and RBAC rules. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** Lower applies first. Gaps leave room for new kinds. */
  readonly applyRank: number;
  /**
   * Whether Bulkhead's envelope may lack this kind on a cluster (SealedSecret needs the Sealed Secrets CRD);
   * an optional kind's informer is started only when the API server serves it.
   */
  readonly optional?: boolean;
  /**
   * What the operator may do to this kind, and nothing more: the chart's ClusterRole is generated from it. Server-side
   * apply needs patch (and create for a new object); pruning needs delete; the informers need list and watch.
   */
  readonly operatorVerbs: readonly string[];
  /**
   * The fields Bulkhead owns outright, by top-level path: compared for equality with the desired object, so anything
   * another writer added there (an `ingress: [{}]`, a narrowed podSelector, an extra rule) is drift, and repaired.
   */
  readonly ownedFields: readonly string[];
  /**
   * Every label is Bulkhead's (the Namespace: an extra label could make it match another team's NetworkPolicy or
   * admission selector), except the ones the API server sets itself.
   */
  readonly exactLabels?: boolean;
  /** Annotation keys under this prefix are Bulkhead's alone (the Namespace's admission parameters). */
  readonly ownedAnnotationPrefix?: string;
  /**
   * One object shared by every policy naming it (the Managed RuntimeClass): it must carry nothing per policy. An
   * AgentPolicy ownerReference on it (left by Bulkhead before 0.2, which added one per policy, each with its own field
   * manager) is drift, repaired by an update that also resets managedFields.
   */
  readonly sharedByPolicies?: boolean;
  /**
   * The object's status is evidence a condition reports (SecretsSynced reads a SealedSecret's), so a change of its
   * status wakes the policy. For every other kind a change of status alone (the quota controller counting) does not.
   */
  readonly readsStatus?: boolean;
}

/** Server-side apply needs create and patch; repairing what apply cannot remove needs update; pruning needs delete. */
const applyAndPrune = ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] as const;

export const resourceTable = [
  // The namespace first: everything else but the cluster-scoped objects lives in it.
  // Never deleted by the operator: garbage collection removes a Delete-policy namespace after its AgentPolicy.
  {
    apiVersion: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    applyRank: 10,
    operatorVerbs: ['get', 'list', 'watch', 'create', 'patch', 'update'],
    ownedFields: [],
    exactLabels: true,
    ownedAnnotationPrefix: 'bulkhead.dev/',
  },
  // Lock the namespace down before anything in it could run: deny all traffic, then admission rules.
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, applyRank: 20, operatorVerbs: applyAndPrune, ownedFields: ['spec'] },
  {
    apiVersion: 'node.k8s.io/v1',
    kind: 'RuntimeClass',
    plural: 'runtimeclasses',
    namespaced: false,
    applyRank: 30,
    operatorVerbs: applyAndPrune,
    ownedFields: ['handler', 'scheduling', 'overhead'],
    sharedByPolicies: true,
  },
  { apiVersion: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, applyRank: 50, operatorVerbs: applyAndPrune, ownedFields: ['spec'] },
  { apiVersion: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, applyRank: 50, operatorVerbs: applyAndPrune, ownedFields: ['spec'] },
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    applyRank: 60,
    operatorVerbs: applyAndPrune,
    // imagePullSecrets would let agent pods pull with credentials the policy never named.
    ownedFields: ['automountServiceAccountToken', 'imagePullSecrets'],
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles', namespaced: true, applyRank: 70, operatorVerbs: applyAndPrune, ownedFields: ['rules'] },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    namespaced: true,
    applyRank: 80,
    operatorVerbs: applyAndPrune,
    ownedFields: ['roleRef', 'subjects'],
  },
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    plural: 'flowschemas',
    namespaced: false,
    applyRank: 90,
    operatorVerbs: applyAndPrune,
    ownedFields: ['spec'],
  },
  {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    plural: 'sealedsecrets',
    namespaced: true,
    applyRank: 100,
    optional: true,
    readsStatus: true,
    operatorVerbs: applyAndPrune,
    ownedFields: ['spec'],
  },
] as const satisfies readonly ResourceKind[];

export type ManagedKind = (typeof resourceTable)[number]['kind'];

/**
 * Objects the chart installs that Bulkhead's status depends on: the agent-pods admission policy and its static
 * bindings. The operator only reads them (informers labelled app.kubernetes.io/name=bulkhead) and reports
 * SandboxEnforced=False when they are missing or changed; it never writes them.
 */
export const verifiedKinds = [
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    plural: 'validatingadmissionpolicies',
    operatorVerbs: ['get', 'list', 'watch'],
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    plural: 'validatingadmissionpolicybindings',
    operatorVerbs: ['get', 'list', 'watch'],
  },
] as const;

/**
 * The RoleBinding that grants the operator the permission ceiling inside an agent namespace. It must exist before
 * the agent Role: the API server lets a subject create a Role only with permissions it already holds.
 */
export const operatorRoleBindingName = 'bulkhead-operator';

/** Minimal shape of any object the table ranks. */
export interface ObjectIdentity {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

export function resourceKindOf(object: ObjectIdentity): ResourceKind {
  const entry = resourceTable.find((r) => r.kind === object.kind && r.apiVersion === object.apiVersion);
  if (entry === undefined) {
    throw new Error(`${object.apiVersion ?? '?'}/${object.kind ?? '?'} is not a kind Bulkhead manages`);
  }
  return entry;
}

/** The apply rank of one object: its kind's rank, except that the operator's RoleBinding precedes every Role. */
export function applyRankOf(object: ObjectIdentity): number {
  if (object.kind === 'RoleBinding' && object.metadata?.name === operatorRoleBindingName) {
    return resourceKindOf({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' }).applyRank - 5;
  }
  return resourceKindOf(object).applyRank;
}

/** Total order for apply: rank, then kind, namespace and name, so output is deterministic. */
export function compareForApply(a: ObjectIdentity, b: ObjectIdentity): number {
  return (
    applyRankOf(a) - applyRankOf(b) ||
    byCodePoint(a.kind ?? '', b.kind ?? '') ||
    byCodePoint(a.metadata?.namespace ?? '', b.metadata?.namespace ?? '') ||
    byCodePoint(a.metadata?.name ?? '', b.metadata?.name ?? '')
  );
}

// Not localeCompare: the order must not depend on the machine's locale.
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The API group of an apiVersion ("" for the core group): what RBAC rules and admission rules name. */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** The CustomResourceDefinitions whose kinds are optional (the Sealed Secrets CRD): the operator watches them by name. */
export const optionalKindCrdNames: readonly string[] = (resourceTable as readonly ResourceKind[])
  .filter((k) => k.optional === true)
  .map((k) => `${k.plural}.${apiGroupOf(k.apiVersion)}`);
