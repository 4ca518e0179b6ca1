/**
 * The cluster-wide informers of the isolation audit: every RoleBinding, ClusterRoleBinding, NetworkPolicy, Role,
 * ClusterRole and RuntimeClass, whoever made it, feeding the incremental audit index. One watch per kind, so a foreign
 * binding or NetworkPolicy is seen within a second and costs no request at rest. Cached without managedFields: the
 * audit never reads them.
 *
 * The kinds an envelope holds (RoleBinding, Role, NetworkPolicy, RuntimeClass) are watched here only where they do
 * not carry Bulkhead's managed-by label: the envelope informers watch the labelled ones already, and feed them to
 * the index through `envelopeCached`, so each object is cached once (a second copy was about a third of the heap).
 * Between the two selectors (`=` and `!=`) every object is seen, a look-alike wearing Bulkhead's label included.
 */
import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { managedByLabel, managedByValue } from '../api/v1alpha1/well-known.ts';
import type { Concerns, IncrementalAuditIndex, IndexedKind } from '../audit/incremental-index.ts';
import type { Obj } from '../audit/objects.ts';
import { dropManagedFields, type Informer } from '../kube/informer.ts';
import { kindInformer } from './kind-informer.ts';
import { isLabelledManaged } from './ownership.ts';
import type { KubeObject } from './ports.ts';

const rbac = 'rbac.authorization.k8s.io/v1';
interface WatchedKind {
  readonly kind: IndexedKind;
  readonly apiVersion: string;
  readonly plural: string;
  /** Also watched, with Bulkhead's label, by the envelope informers (resource-table.ts), which feed the index. */
  readonly inEnvelope: boolean;
}

const watched: readonly WatchedKind[] = [
  { kind: 'RoleBinding', apiVersion: rbac, plural: 'rolebindings', inEnvelope: true },
  { kind: 'ClusterRoleBinding', apiVersion: rbac, plural: 'clusterrolebindings', inEnvelope: false },
  { kind: 'Role', apiVersion: rbac, plural: 'roles', inEnvelope: true },
  { kind: 'ClusterRole', apiVersion: rbac, plural: 'clusterroles', inEnvelope: false },
  { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', plural: 'networkpolicies', inEnvelope: true },
  { kind: 'RuntimeClass', apiVersion: 'node.k8s.io/v1', plural: 'runtimeclasses', inEnvelope: true },
];
const envelopeKinds = new Map(watched.filter((k) => k.inEnvelope).map((k) => [`${k.apiVersion}/${k.kind}`, k.kind]));

const asObj = (o: KubernetesObject | KubeObject): Obj => o as unknown as Obj;

export class IsolationInformers {
  readonly #informers = new Map<IndexedKind, Informer>();
  readonly #index: IncrementalAuditIndex;
  readonly #changed: (concerns: Concerns) => void;
  readonly #owned: (object: KubeObject) => boolean;

  constructor(
    clients: { kubeConfig: KubeConfig; objects: KubernetesObjectApi },
    index: IncrementalAuditIndex,
    /** A foreign object changed: the agent namespaces (or all) whose isolation it can change. */
    changed: (concerns: Concerns) => void,
    /** Whether a Bulkhead-labelled object leads back to a policy (whose own informer handler wakes it). */
    owned: (object: KubeObject) => boolean,
    log: Logger,
  ) {
    this.#index = index;
    this.#changed = changed;
    this.#owned = owned;
    for (const kind of watched) {
      const informer = kindInformer(clients, kind, log, {
        ...(kind.inEnvelope ? { labelSelector: `${managedByLabel}!=${managedByValue}` } : {}),
        transform: (o) => dropManagedFields(o, () => false),
      });
      // Bulkhead's own objects of the other kinds (none today) wake nobody: the envelope informers map them.
      const wake = (o: KubernetesObject): void => {
        if (!isLabelledManaged(o)) changed(index.concerns(kind.kind, asObj(o)));
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

  /**
   * An object of an envelope kind entered, changed in or left the envelope informers' cache (`current` undefined:
   * gone): the index shares it. One wearing Bulkhead's label without leading back to a policy is a look-alike, and
   * wakes the policies it concerns like any foreign object; a shared RuntimeClass has its own handler.
   */
  envelopeCached(apiVersion: string, kindName: string, current: KubeObject | undefined, previous: KubeObject | undefined): void {
    const kind = envelopeKinds.get(`${apiVersion}/${kindName}`);
    if (kind === undefined) return;
    if (current === undefined) {
      if (previous !== undefined) this.#index.remove(kind, asObj(previous));
    } else {
      this.#index.upsert(kind, asObj(current), previous === undefined ? undefined : asObj(previous));
    }
    if (kind === 'RuntimeClass') return;
    for (const o of [previous, current]) {
      if (o !== undefined && !this.#owned(o)) this.#changed(this.#index.concerns(kind, asObj(o)));
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
