import type { PolicyRule } from '../api/v1alpha1/ceiling.ts';

/**
 * What the reconciler needs from the cluster, as two narrow interfaces. src/kube/ implements them over informer
 * caches and the API server; the reconciler stays free of client code, and reads come from the cache.
 */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly deletionTimestamp?: string | Date;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  readonly ownerReferences?: readonly {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly uid: string;
    readonly controller?: boolean;
  }[];
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

/** Identifies one object. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface ClusterReader {
  /** The AgentPolicy as cached (raw, unvalidated), or undefined when it is gone. */
  policy(name: string): KubeObject | undefined;
  /** One Bulkhead-labelled object from the cache. */
  cached(ref: ObjectRef): KubeObject | undefined;
  /** Every cached Bulkhead-labelled object that names the policy UID in its ownerReferences. */
  ownedBy(policyUid: string): KubeObject[];
  /** Whether the API server serves this kind (SealedSecret needs the Sealed Secrets CRD). */
  serves(apiVersion: string, kind: string): boolean;
  /** A live read of any object, bypassing the cache (objects Bulkhead does not label: a foreign namespace). */
  read(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** The rules of a ClusterRole (the permission ceiling), or undefined when it does not exist. */
  clusterRoleRules(name: string): Promise<readonly PolicyRule[] | undefined>;
  /** Names of the AgentPolicies whose Managed RuntimeClass is `name` (from the policy cache's index). */
  policiesNamingRuntimeClass(name: string): readonly string[];
  /** An object the chart installed and the operator only verifies (the agent-pods admission policy and bindings). */
  installed(ref: ObjectRef): KubeObject | undefined;
  /** Any RuntimeClass from the cache, Bulkhead's or not (an External class a policy names). */
  runtimeClass(name: string): KubeObject | undefined;
}

export interface ClusterWriter {
  /** Server-side apply with force, as field manager "bulkhead". Resolves to the stored object. */
  apply(object: KubeObject): Promise<KubeObject>;
  /** Creates an object that must not exist yet; a KubeApiError AlreadyExists when it does. */
  create(object: KubeObject): Promise<KubeObject>;
  /**
   * Replaces the whole object (update), guarded by the resourceVersion it carries: what server-side apply cannot
   * repair (fields and set items another manager owns). Resolves to the stored object.
   */
  update(object: KubeObject): Promise<KubeObject>;
  /** Deletes exactly the observed object (UID precondition). */
  delete(object: KubeObject): Promise<void>;
  /** Replaces the policy's finalizers, guarded by its resourceVersion. Resolves to the stored policy when known. */
  setPolicyFinalizers(policy: KubeObject, finalizers: readonly string[]): Promise<KubeObject | void>;
  /** Writes the status subresource. Resolves to the stored policy when known. */
  writePolicyStatus(policy: KubeObject, status: Record<string, unknown>): Promise<KubeObject | void>;
  /** Records a Kubernetes Event about the policy. */
  recordEvent(policy: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

export function refOf(object: KubeObject): ObjectRef {
  const { name, namespace } = object.metadata;
  return { apiVersion: object.apiVersion, kind: object.kind, name, ...(namespace === undefined ? {} : { namespace }) };
}
