/**
 * The operator's caches: one informer for AgentPolicies, one per served kind of the resource table (filtered by
 * Bulkhead's managed-by label, feeding the owner index), and one per kind it only verifies (the chart's admission
 * policy and bindings). Each event is turned into queue keys by the handlers the caller gives.
 *
 * Hand-written rather than client-node's makeInformer, which stops for good on any error but 410 (see informer.ts).
 */
import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { apiVersion as policyApiVersion, kind as policyKind, managedByLabel, managedByValue, plural } from '../api/v1alpha1/well-known.ts';
import { resourceTable, verifiedKinds, type ResourceKind } from '../envelope/resource-table.ts';
import { kindKey, type ReaderSources } from '../kube/cluster-reader.ts';
import type { Informer } from '../kube/informer.ts';
import { kindInformer } from './kind-informer.ts';
import { OwnerIndex } from '../kube/owner-index.ts';
import { RuntimeClassIndex } from './runtime-class-index.ts';
import type { KubeObject } from './ports.ts';

export interface InformerHandlers {
  /** An AgentPolicy was added, changed or deleted. */
  readonly policyChanged: (policy: KubernetesObject) => void;
  /** An owned object changed (`previous`: the version before an update): enqueue the policies that own either. */
  readonly ownedChanged: (object: KubeObject, previous?: KubeObject) => void;
  /** A verified object (or the permission ceiling) changed: every policy's status or validity may change. */
  readonly verifiedChanged: () => void;
  /**
   * A shared RuntimeClass changed (`current` undefined: deleted), or a policy stopped naming one (both undefined):
   * the collector looks at the class, and the policies naming it look again when its content changed.
   */
  readonly runtimeClassChanged: (className: string, current: KubeObject | undefined, previous: KubeObject | undefined) => void;
  /**
   * Any object of an owned kind entered the cache, changed in it or left it (`current` undefined): the isolation
   * audit's index shares these objects instead of caching a second copy.
   */
  readonly cached?: (apiVersion: string, kind: string, current: KubeObject | undefined, previous: KubeObject | undefined) => void;
}

/** The chart labels what it installs with this; the verified informers select on it. */
const installSelector = 'app.kubernetes.io/name=bulkhead';

export class EnvelopeInformers {
  readonly policies: Informer;
  readonly #owned = new Map<string, Informer>();
  readonly #installed = new Map<string, Informer>();
  readonly #ownerIndex = new OwnerIndex();
  readonly #runtimeClasses = new RuntimeClassIndex();
  readonly #clients: { kubeConfig: KubeConfig; objects: KubernetesObjectApi };
  readonly #handlers: InformerHandlers;
  readonly #log: Logger;

  readonly #ceiling: { readonly name: string; readonly informer: Informer };

  constructor(
    clients: { kubeConfig: KubeConfig; objects: KubernetesObjectApi },
    handlers: InformerHandlers,
    log: Logger,
    ceilingClusterRole: string,
  ) {
    this.#clients = clients;
    this.#handlers = handlers;
    this.#log = log;
    // The ceiling every policy is validated against: watched by name, so a reconcile reads it without a request,
    // and a change of it re-validates every policy.
    const ceiling = this.#informer(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles' },
      undefined,
      `metadata.name=${ceilingClusterRole}`,
    );
    ceiling.on({ add: handlers.verifiedChanged, update: handlers.verifiedChanged, delete: handlers.verifiedChanged });
    this.#ceiling = { name: ceilingClusterRole, informer: ceiling };
    this.policies = this.#informer({ apiVersion: policyApiVersion, kind: policyKind, plural }, undefined);
    const released = (className: string | undefined): void => {
      if (className !== undefined) handlers.runtimeClassChanged(className, undefined, undefined);
    };
    const changed = (p: KubernetesObject): void => {
      released(this.#runtimeClasses.upsert(p));
      handlers.policyChanged(p);
    };
    const deleted = (p: KubernetesObject): void => {
      released(this.#runtimeClasses.remove(p));
      handlers.policyChanged(p);
    };
    this.policies.on({ add: changed, update: changed, delete: deleted });
    for (const kind of verifiedKinds) {
      const informer = this.#informer(kind, installSelector);
      informer.on({ add: handlers.verifiedChanged, update: handlers.verifiedChanged, delete: handlers.verifiedChanged });
      this.#installed.set(kindKey(kind.apiVersion, kind.kind), informer);
    }
  }

  /** The caches the ClusterReader reads. */
  sources(api: Pick<ReaderSources, 'objects' | 'rbac'>): Omit<ReaderSources, 'runtimeClass'> {
    return {
      ...api,
      policies: this.policies,
      owned: this.#owned,
      ownerIndex: this.#ownerIndex,
      installed: this.#installed,
      runtimeClasses: this.#runtimeClasses,
      ceiling: this.#ceiling,
    };
  }

  /** The kinds being watched, for logs. */
  watchedKinds(): string[] {
    return [...this.#owned.keys()];
  }

  /** Starts every informer and resolves once all have listed; optional kinds are watched once discovery finds them. */
  async start(): Promise<void> {
    for (const kind of resourceTable as readonly ResourceKind[]) if (kind.optional !== true) this.watchKind(kind);
    this.policies.start();
    for (const informer of this.#installed.values()) informer.start();
    this.#ceiling.informer.start();
    await Promise.all(this.#all().map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#all().map((i) => i.stop()));
  }

  /** Starts the informer of one owned kind (an optional one once kind-discovery.ts finds it served). */
  watchKind(kind: ResourceKind): Informer {
    const key = kindKey(kind.apiVersion, kind.kind);
    const watching = this.#owned.get(key);
    if (watching !== undefined) return watching;
    const informer = this.#informer(kind, `${managedByLabel}=${managedByValue}`);
    const index = this.#ownerIndex;
    const changed = this.#handlers.ownedChanged;
    const cached = this.#handlers.cached;
    if (cached !== undefined) {
      informer.on({
        add: (o) => cached(kind.apiVersion, kind.kind, o as KubeObject, undefined),
        update: (o, previous) => cached(kind.apiVersion, kind.kind, o as KubeObject, previous as KubeObject),
        delete: (o) => cached(kind.apiVersion, kind.kind, undefined, o as KubeObject),
      });
    }
    if (kind.kind === 'RuntimeClass') {
      // Shared by many policies and owned by none: its own handler maps it to the collector and the policies.
      const classChanged = this.#handlers.runtimeClassChanged;
      informer.on({
        add: (o) => classChanged(o.metadata?.name ?? '', o as KubeObject, undefined),
        update: (o, previous) => classChanged(o.metadata?.name ?? '', o as KubeObject, previous as KubeObject),
        delete: (o) => classChanged(o.metadata?.name ?? '', undefined, o as KubeObject),
      });
      this.#owned.set(key, informer);
      informer.start();
      return informer;
    }
    informer.on({
      add: (o) => {
        index.upsert(o);
        changed(o as KubeObject);
      },
      update: (o, previous) => {
        index.upsert(o, previous);
        changed(o as KubeObject, previous as KubeObject);
      },
      delete: (o) => {
        index.remove(o);
        changed(o as KubeObject);
      },
    });
    this.#owned.set(key, informer);
    informer.start();
    return informer;
  }

  /** Stops watching a kind the API server no longer serves, and forgets its objects. */
  async unwatchKind(kind: ResourceKind): Promise<void> {
    const key = kindKey(kind.apiVersion, kind.kind);
    const informer = this.#owned.get(key);
    if (informer === undefined) return;
    this.#owned.delete(key);
    await informer.stop();
    for (const object of informer.list()) {
      this.#ownerIndex.remove(object);
      this.#handlers.cached?.(kind.apiVersion, kind.kind, undefined, object as KubeObject);
    }
  }

  #all(): Informer[] {
    return [this.policies, ...this.#owned.values(), ...this.#installed.values(), this.#ceiling.informer];
  }

  #informer(kind: Pick<ResourceKind, 'apiVersion' | 'kind' | 'plural'>, labelSelector: string | undefined, fieldSelector?: string): Informer {
    return kindInformer(this.#clients, kind, this.#log, {
      ...(labelSelector === undefined ? {} : { labelSelector }),
      ...(fieldSelector === undefined ? {} : { fieldSelector }),
    });
  }

}
