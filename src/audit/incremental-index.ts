/**
 * The audit index kept up to date object by object (the controller's informers feed it), instead of rebuilt from a
 * snapshot per run (index.ts): auditing one policy then costs its own lookups, whatever the cluster holds, and a
 * change of one binding or NetworkPolicy costs one update. Pure data: no API server here.
 *
 * Two caches feed it (the audit's watches of foreign objects and the envelope informers of Bulkhead's), and an object
 * that changes its label moves from one to the other: its removal from one may arrive after its arrival in the other.
 * So a removal takes out only the very object it names (the same instance that was indexed), never a newer one
 * another cache put there; otherwise a foreign binding relabelled as Bulkhead's could drop out of the audit.
 *
 * It also answers which agent namespaces an object can concern (`concerns`), so that an event wakes only the
 * policies whose isolation it can change: a NetworkPolicy or Role concerns its namespace; a binding the namespaces
 * of the ServiceAccounts and service-account groups it names; a binding to any other group or user (everyone
 * authenticated, a human) and a ClusterRole concern every policy.
 */
import type { AuditIndex } from './index.ts';
import { subjectKey } from './index.ts';
import type { AdmissionObject, Binding, NetworkPolicy, Obj, Pod, RoleObject, RuntimeClass, SecretMeta } from './objects.ts';

export type IndexedKind = 'RoleBinding' | 'ClusterRoleBinding' | 'NetworkPolicy' | 'Role' | 'ClusterRole' | 'RuntimeClass';

/** The agent namespaces an object can concern, or every one. */
export type Concerns = { readonly namespaces: readonly string[] } | 'all';

export interface ExternalLookups {
  /** Namespaces and the chart's admission objects come from caches the controller keeps anyway. */
  readonly namespace: (name: string) => Obj | undefined;
  readonly admissionPolicy: (name: string) => AdmissionObject | undefined;
  readonly admissionBinding: (name: string) => AdmissionObject | undefined;
}

const serviceAccountsGroup = 'system:serviceaccounts:';
const serviceAccountUser = 'system:serviceaccount:';

const keyOf = (o: Obj): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** namespace -> key -> object. */
class ByNamespace<T extends Obj> {
  readonly #map = new Map<string, Map<string, T>>();

  set(object: T): void {
    const namespace = object.metadata.namespace ?? '';
    let inner = this.#map.get(namespace);
    if (inner === undefined) this.#map.set(namespace, (inner = new Map()));
    inner.set(object.metadata.name, object);
  }

  /** Removes the entry only if it is this very object. */
  delete(object: Obj): void {
    const namespace = object.metadata.namespace ?? '';
    const inner = this.#map.get(namespace);
    if (inner?.get(object.metadata.name) !== object) return;
    inner.delete(object.metadata.name);
    if (inner.size === 0) this.#map.delete(namespace);
  }

  get(namespace: string, name: string): T | undefined {
    return this.#map.get(namespace)?.get(name);
  }

  list(namespace: string): T[] {
    return [...(this.#map.get(namespace)?.values() ?? [])];
  }
}

export class IncrementalAuditIndex implements AuditIndex {
  readonly #lookups: ExternalLookups;
  readonly #networkPolicies = new ByNamespace<NetworkPolicy>();
  readonly #roles = new ByNamespace<RoleObject>();
  readonly #clusterRoles = new Map<string, RoleObject>();
  readonly #runtimeClasses = new Map<string, RuntimeClass>();
  /** subject key -> binding key -> the binding (with its kind) and the object it was indexed from. */
  readonly #bySubject = new Map<string, Map<string, { readonly binding: Binding; readonly source: Obj }>>();
  readonly #pods = new Map<string, readonly Pod[]>();
  readonly #secrets = new Map<string, readonly SecretMeta[]>();

  constructor(lookups: ExternalLookups) {
    this.#lookups = lookups;
  }

  upsert(kind: IndexedKind, object: Obj, previous?: Obj): void {
    if (previous !== undefined) this.remove(kind, previous);
    switch (kind) {
      case 'NetworkPolicy':
        this.#networkPolicies.set(object as NetworkPolicy);
        return;
      case 'Role':
        this.#roles.set(object as RoleObject);
        return;
      case 'ClusterRole':
        this.#clusterRoles.set(object.metadata.name, object as RoleObject);
        return;
      case 'RuntimeClass':
        this.#runtimeClasses.set(object.metadata.name, object as RuntimeClass);
        return;
      case 'RoleBinding':
      case 'ClusterRoleBinding':
        for (const key of this.#subjectKeys(object as Binding)) {
          let bindings = this.#bySubject.get(key);
          if (bindings === undefined) this.#bySubject.set(key, (bindings = new Map()));
          bindings.set(`${kind}/${keyOf(object)}`, { binding: { ...(object as Binding), kind }, source: object });
        }
    }
  }

  remove(kind: IndexedKind, object: Obj): void {
    switch (kind) {
      case 'NetworkPolicy':
        this.#networkPolicies.delete(object);
        return;
      case 'Role':
        this.#roles.delete(object);
        return;
      case 'ClusterRole':
        if (this.#clusterRoles.get(object.metadata.name) === object) this.#clusterRoles.delete(object.metadata.name);
        return;
      case 'RuntimeClass':
        if (this.#runtimeClasses.get(object.metadata.name) === object) this.#runtimeClasses.delete(object.metadata.name);
        return;
      case 'RoleBinding':
      case 'ClusterRoleBinding':
        for (const key of this.#subjectKeys(object as Binding)) {
          const bindings = this.#bySubject.get(key);
          const bindingKey = `${kind}/${keyOf(object)}`;
          if (bindings?.get(bindingKey)?.source !== object) continue;
          bindings.delete(bindingKey);
          if (bindings.size === 0) this.#bySubject.delete(key);
        }
    }
  }

  /** The pods and secret metadata last listed in one agent namespace. */
  setNamespaceContents(namespace: string, pods: readonly Pod[], secrets: readonly SecretMeta[]): void {
    this.#pods.set(namespace, pods);
    this.#secrets.set(namespace, secrets);
  }

  /** Secret metadata listed again (the sweep); the pods stay as last listed. Ignored for a namespace never listed. */
  setNamespaceSecrets(namespace: string, secrets: readonly SecretMeta[]): void {
    if (this.#pods.has(namespace)) this.#secrets.set(namespace, secrets);
  }

  hasNamespaceContents(namespace: string): boolean {
    return this.#pods.has(namespace);
  }

  forgetNamespace(namespace: string): void {
    this.#pods.delete(namespace);
    this.#secrets.delete(namespace);
  }

  /** Which agent namespaces a change of this object can concern. */
  concerns(kind: IndexedKind, object: Obj): Concerns {
    switch (kind) {
      case 'NetworkPolicy':
      case 'Role':
        return { namespaces: [object.metadata.namespace ?? ''] };
      case 'ClusterRole':
      case 'RuntimeClass':
        return 'all';
      case 'RoleBinding':
      case 'ClusterRoleBinding': {
        const namespaces = new Set<string>();
        if (object.metadata.namespace !== undefined) namespaces.add(object.metadata.namespace);
        for (const subject of (object as Binding).subjects ?? []) {
          if (subject.kind === 'ServiceAccount') namespaces.add(subject.namespace ?? object.metadata.namespace ?? '');
          else if (subject.kind === 'Group' && subject.name.startsWith(serviceAccountsGroup)) namespaces.add(subject.name.slice(serviceAccountsGroup.length));
          else if (subject.kind === 'User' && subject.name.startsWith(serviceAccountUser)) namespaces.add(subject.name.slice(serviceAccountUser.length).split(':')[0] ?? '');
          else return 'all';
        }
        return { namespaces: [...namespaces] };
      }
    }
  }

  #subjectKeys(binding: Binding): Set<string> {
    return new Set((binding.subjects ?? []).map((s) => subjectKey(s, binding.metadata.namespace)));
  }

  namespace(name: string): Obj | undefined {
    return this.#lookups.namespace(name);
  }

  networkPolicies(namespace: string): readonly NetworkPolicy[] {
    return this.#networkPolicies.list(namespace);
  }

  pods(namespace: string): readonly Pod[] {
    return this.#pods.get(namespace) ?? [];
  }

  secrets(namespace: string): readonly SecretMeta[] {
    return this.#secrets.get(namespace) ?? [];
  }

  role(namespace: string, name: string): RoleObject | undefined {
    return this.#roles.get(namespace, name);
  }

  clusterRole(name: string): RoleObject | undefined {
    return this.#clusterRoles.get(name);
  }

  runtimeClass(name: string): RuntimeClass | undefined {
    return this.#runtimeClasses.get(name);
  }

  admissionPolicy(name: string): AdmissionObject | undefined {
    return this.#lookups.admissionPolicy(name);
  }

  admissionBinding(name: string): AdmissionObject | undefined {
    return this.#lookups.admissionBinding(name);
  }

  bindingsFor(key: string): readonly Binding[] {
    return [...(this.#bySubject.get(key)?.values() ?? [])].map((entry) => entry.binding);
  }
}
