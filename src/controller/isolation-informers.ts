/**
 * The cluster-wide informers of the isolation audit: every RoleBinding, ClusterRoleBinding, NetworkPolicy, Role,
 * ClusterRole and RuntimeClass, whoever made it, feeding the incremental audit index. One watch per kind, so a foreign
 * binding or NetworkPolicy is seen within a second and costs no request at rest. Bulkhead's own objects are indexed
 * too (the audit tells them from foreign ones) but wake nobody here: the envelope informers already map them to
 * their policy. Cached without managedFields: the audit never reads them.
 */
import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { managedByLabel, managedByValue } from '../api/v1alpha1/well-known.ts';
import type { Concerns, IncrementalAuditIndex, IndexedKind } from '../audit/incremental-index.ts';
import type { Obj } from '../audit/objects.ts';
import { dropManagedFields, type Informer } from '../kube/informer.ts';
import { kindInformer } from './kind-informer.ts';

const rbac = 'rbac.authorization.k8s.io/v1';
const watched: readonly { readonly kind: IndexedKind; readonly apiVersion: string; readonly plural: string }[] = [
  { kind: 'RoleBinding', apiVersion: rbac, plural: 'rolebindings' },
  { kind: 'ClusterRoleBinding', apiVersion: rbac, plural: 'clusterrolebindings' },
  { kind: 'Role', apiVersion: rbac, plural: 'roles' },
  { kind: 'ClusterRole', apiVersion: rbac, plural: 'clusterroles' },
  { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', plural: 'networkpolicies' },
  { kind: 'RuntimeClass', apiVersion: 'node.k8s.io/v1', plural: 'runtimeclasses' },
];

const isBulkheads = (object: KubernetesObject): boolean => object.metadata?.labels?.[managedByLabel] === managedByValue;

export class IsolationInformers {
  readonly #informers = new Map<IndexedKind, Informer>();

  constructor(
    clients: { kubeConfig: KubeConfig; objects: KubernetesObjectApi },
    index: IncrementalAuditIndex,
    /** A foreign object changed: the agent namespaces (or all) whose isolation it can change. */
    changed: (concerns: Concerns) => void,
    log: Logger,
  ) {
    for (const kind of watched) {
      const informer = kindInformer(clients, kind, log, { transform: (o) => dropManagedFields(o, () => false) });
      const asObj = (o: KubernetesObject): Obj => o as unknown as Obj;
      const wake = (o: KubernetesObject): void => {
        if (!isBulkheads(o)) changed(index.concerns(kind.kind, asObj(o)));
      };
      informer.on({
        add: (o) => {
          index.upsert(kind.kind, asObj(o));
          wake(o);
        },
        update: (o, previous) => {
          index.upsert(kind.kind, asObj(o), asObj(previous));
          wake(previous);
          wake(o);
        },
        delete: (o) => {
          index.remove(kind.kind, asObj(o));
          wake(o);
        },
      });
      this.#informers.set(kind.kind, informer);
    }
  }

  async start(): Promise<void> {
    for (const informer of this.#informers.values()) informer.start();
    await Promise.all([...this.#informers.values()].map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#informers.values()].map((i) => i.stop()));
  }
}
