/**
 * One pass over a snapshot builds lookups by namespace, name and binding subject, so auditing hundreds of policies
 * against the same snapshot costs each policy only its own objects, never a scan of the cluster.
 */
import type { AdmissionObject, AuditObjects, Binding, NetworkPolicy, Obj, Pod, RoleObject, RuntimeClass, SecretMeta, Subject } from './objects.ts';

export interface AuditIndex {
  namespace(name: string): Obj | undefined;
  networkPolicies(namespace: string): readonly NetworkPolicy[];
  pods(namespace: string): readonly Pod[];
  secrets(namespace: string): readonly SecretMeta[];
  role(namespace: string, name: string): RoleObject | undefined;
  clusterRole(name: string): RoleObject | undefined;
  runtimeClass(name: string): RuntimeClass | undefined;
  admissionPolicy(name: string): AdmissionObject | undefined;
  admissionBinding(name: string): AdmissionObject | undefined;
  /** Bindings naming this subject key (see subjectKey), RoleBindings and ClusterRoleBindings alike. */
  bindingsFor(key: string): readonly Binding[];
}

/** How a binding subject is looked up: "ServiceAccount:ns:name", "Group:name", "User:name". */
export function subjectKey(subject: Subject, bindingNamespace: string | undefined): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount:${subject.namespace ?? bindingNamespace ?? ''}:${subject.name}`;
  return `${subject.kind}:${subject.name}`;
}

function groupBy<T extends Obj>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list === undefined) map.set(k, [item]);
    else list.push(item);
  }
  return map;
}

const byName = <T extends Obj>(items: readonly T[]): Map<string, T> => new Map(items.map((i) => [i.metadata.name, i]));
const inNamespace = (o: Obj): string => o.metadata.namespace ?? '';

export function indexAuditObjects(objects: AuditObjects): AuditIndex {
  const namespaces = byName(objects.namespaces);
  const networkPolicies = groupBy(objects.networkPolicies, inNamespace);
  const pods = groupBy(objects.pods, inNamespace);
  const secrets = groupBy(objects.secrets, inNamespace);
  const roles = new Map(objects.roles.map((r) => [`${inNamespace(r)}/${r.metadata.name}`, r]));
  const clusterRoles = byName(objects.clusterRoles);
  const runtimeClasses = byName(objects.runtimeClasses);
  const admissionPolicies = byName(objects.admissionPolicies);
  const admissionBindings = byName(objects.admissionBindings);
  const bySubject = new Map<string, Binding[]>();
  for (const binding of [...objects.clusterRoleBindings, ...objects.roleBindings]) {
    const keys = new Set((binding.subjects ?? []).map((s) => subjectKey(s, binding.metadata.namespace)));
    for (const key of keys) {
      const list = bySubject.get(key);
      if (list === undefined) bySubject.set(key, [binding]);
      else list.push(binding);
    }
  }
  return {
    namespace: (name) => namespaces.get(name),
    networkPolicies: (ns) => networkPolicies.get(ns) ?? [],
    pods: (ns) => pods.get(ns) ?? [],
    secrets: (ns) => secrets.get(ns) ?? [],
    role: (ns, name) => roles.get(`${ns}/${name}`),
    clusterRole: (name) => clusterRoles.get(name),
    runtimeClass: (name) => runtimeClasses.get(name),
    admissionPolicy: (name) => admissionPolicies.get(name),
    admissionBinding: (name) => admissionBindings.get(name),
    bindingsFor: (key) => bySubject.get(key) ?? [],
  };
}
