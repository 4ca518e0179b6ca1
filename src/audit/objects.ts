/**
 * What the audit reads from the cluster: plain JSON objects, typed down to the fields the evaluators look at. The
 * snapshot reader (src/kube/audit-snapshot.ts) fills this once per run with cluster-wide lists; tests write fixtures
 * by hand. Nothing here talks to the API server.
 */
export interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly { readonly apiVersion: string; readonly kind: string; readonly name: string; readonly uid?: string }[];
  readonly deletionTimestamp?: string | Date;
}

export interface Obj {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: Meta;
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface NetworkPolicyPort {
  readonly protocol?: string;
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NetworkPolicyPeer {
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
  readonly namespaceSelector?: LabelSelector;
  readonly podSelector?: LabelSelector;
}

export interface NetworkPolicy extends Obj {
  readonly spec?: {
    readonly podSelector?: LabelSelector;
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly { readonly from?: readonly NetworkPolicyPeer[]; readonly ports?: readonly NetworkPolicyPort[] }[];
    readonly egress?: readonly { readonly to?: readonly NetworkPolicyPeer[]; readonly ports?: readonly NetworkPolicyPort[] }[];
  };
}

export interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly apiGroup?: string;
}

export interface RoleRef {
  readonly kind: string;
  readonly name: string;
  readonly apiGroup?: string;
}

/** A RoleBinding (namespaced) or ClusterRoleBinding (no namespace). */
export interface Binding extends Obj {
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  readonly subjects?: readonly Subject[];
  readonly roleRef: RoleRef;
}

export interface Rule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

/** A Role (namespaced) or ClusterRole. */
export interface RoleObject extends Obj {
  readonly kind: 'Role' | 'ClusterRole';
  readonly rules?: readonly Rule[];
}

export interface Pod extends Obj {
  readonly spec?: {
    readonly runtimeClassName?: string;
    readonly serviceAccountName?: string;
    readonly hostNetwork?: boolean;
    readonly hostPID?: boolean;
    readonly hostIPC?: boolean;
  };
  readonly status?: { readonly phase?: string };
}

/** Secrets are read as metadata only (their type is not in metadata): the audit never holds a secret value. */
export type SecretMeta = Obj;

export interface RuntimeClass extends Obj {
  readonly handler?: string;
}

/** A ValidatingAdmissionPolicy or ValidatingAdmissionPolicyBinding: compared whole, so the spec stays free-form. */
export interface AdmissionObject extends Obj {
  readonly spec?: Readonly<Record<string, unknown>>;
}

/** Everything one audit run reads, cluster-wide. */
export interface AuditObjects {
  readonly namespaces: readonly Obj[];
  readonly networkPolicies: readonly NetworkPolicy[];
  readonly roleBindings: readonly Binding[];
  readonly clusterRoleBindings: readonly Binding[];
  readonly roles: readonly RoleObject[];
  readonly clusterRoles: readonly RoleObject[];
  readonly pods: readonly Pod[];
  readonly secrets: readonly SecretMeta[];
  readonly runtimeClasses: readonly RuntimeClass[];
  readonly admissionPolicies: readonly AdmissionObject[];
  readonly admissionBindings: readonly AdmissionObject[];
}

export const emptyAuditObjects: AuditObjects = Object.freeze({
  namespaces: [],
  networkPolicies: [],
  roleBindings: [],
  clusterRoleBindings: [],
  roles: [],
  clusterRoles: [],
  pods: [],
  secrets: [],
  runtimeClasses: [],
  admissionPolicies: [],
  admissionBindings: [],
});

/** "Kind namespace/name": how findings name an object. */
export interface ObjectRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export function refOf(kind: string, metadata: Meta): ObjectRef {
  return { kind, name: metadata.name, ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }) };
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`}`;
}
