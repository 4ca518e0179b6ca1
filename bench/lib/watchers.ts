/**
 * The benchmark's own eyes on the cluster, as the admin: when each AgentPolicy became Ready, when a NetworkPolicy
 * came back, and how often the operator's Lease was renewed (its renewals are writes, but leader election's, not
 * reconciles'). Watches, not polls: a poll of 5,000 policies would itself load the API server being measured.
 * Built on the operator's own informer (list, then watch; relists on 410; restarts on errors).
 */
import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { managedByLabel, managedByValue } from '../../src/api/v1alpha1/well-known.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { cacheKey, Informer } from '../../src/kube/informer.ts';
import { kubeListWatch } from '../../src/kube/list-watch.ts';

interface StoredPolicy extends KubernetesObject {
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

/** Pure: Ready=True for the current generation, as `kubectl wait --for=condition=Ready` would see it. */
export function isReady(policy: StoredPolicy): boolean {
  const status = policy.status;
  if (status === undefined || status.observedGeneration !== policy.metadata?.generation) return false;
  return status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

interface Clients {
  readonly kubeConfig: KubeConfig;
  readonly objects: KubernetesObjectApi;
}

/** Resolves waiters when a key reaches a state; remembers the first time each key did. */
class Moments {
  readonly #first = new Map<string, number>();
  readonly #waiters = new Map<string, ((at: number) => void)[]>();

  mark(key: string, at = performance.now()): void {
    if (!this.#first.has(key)) this.#first.set(key, at);
    for (const resolve of this.#waiters.get(key) ?? []) resolve(at);
    this.#waiters.delete(key);
  }

  forget(key: string): void {
    this.#first.delete(key);
  }

  first(key: string): number | undefined {
    return this.#first.get(key);
  }

  get size(): number {
    return this.#first.size;
  }

  /** The next mark of `key` (or its first, if it already happened and `fresh` is false). */
  next(key: string, fresh: boolean, timeoutMs: number): Promise<number> {
    const seen = this.#first.get(key);
    if (!fresh && seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${key}`)), timeoutMs);
      const list = this.#waiters.get(key) ?? [];
      list.push((at) => {
        clearTimeout(timer);
        resolve(at);
      });
      this.#waiters.set(key, list);
    });
  }
}

/** One informer the benchmark starts (waiting for its first list) and stops. */
class Watching<T extends KubernetesObject> {
  protected readonly informer: Informer<T>;

  constructor(informer: Informer<T>) {
    this.informer = informer;
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }
}

export class PolicyReadiness extends Watching<StoredPolicy> {
  readonly #ready = new Moments();

  constructor(clients: Clients) {
    super(
      new Informer<StoredPolicy>({
        name: 'bench AgentPolicy',
        source: kubeListWatch<StoredPolicy>(clients, { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', plural: 'agentpolicies' }),
      }),
    );
    const seen = (p: StoredPolicy): void => {
      if (isReady(p)) this.#ready.mark(p.metadata?.name ?? '');
    };
    this.informer.on({ add: seen, update: seen });
  }

  /** How many of `names` have been Ready at least once. */
  readyCount(names: readonly string[]): number {
    return names.reduce((n, name) => n + (this.#ready.first(name) === undefined ? 0 : 1), 0);
  }

  readyAt(name: string): number | undefined {
    return this.#ready.first(name);
  }

  waitReady(name: string, timeoutMs: number): Promise<number> {
    return this.#ready.next(name, false, timeoutMs);
  }
}

/** When each managed NetworkPolicy was (re)created: the repair measurement deletes one and waits for it. */
export class NetworkPolicyArrivals extends Watching<KubernetesObject> {
  readonly #added = new Moments();

  constructor(clients: Clients) {
    super(
      new Informer({
        name: 'bench NetworkPolicy',
        source: kubeListWatch(clients, {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          plural: 'networkpolicies',
          labelSelector: `${managedByLabel}=${managedByValue}`,
        }),
      }),
    );
    this.informer.on({
      add: (o) => this.#added.mark(cacheKey(o.metadata?.namespace, o.metadata?.name ?? '')),
      delete: (o) => this.#added.forget(cacheKey(o.metadata?.namespace, o.metadata?.name ?? '')),
    });
  }

  exists(namespace: string, name: string): boolean {
    return this.informer.get(name, namespace) !== undefined;
  }

  /** The next time the NetworkPolicy is added (after a deletion the benchmark made). */
  nextAdded(namespace: string, name: string, timeoutMs: number): Promise<number> {
    return this.#added.next(cacheKey(namespace, name), true, timeoutMs);
  }
}

/** Counts renewals of the operator's leader-election Lease (each successful one changes it). */
export class LeaseRenewals extends Watching<KubernetesObject> {
  #updates = 0;

  constructor(clients: Clients, leaseName = 'bulkhead-controller') {
    super(
      new Informer({
        name: 'bench Lease',
        source: kubeListWatch(clients, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          plural: 'leases',
          namespace: defaultOperatorConfig.operatorNamespace,
          fieldSelector: `metadata.name=${leaseName}`,
        }),
      }),
    );
    const count = (): void => void this.#updates++;
    this.informer.on({ add: count, update: count });
  }

  /** Creations and updates of the Lease seen so far. */
  get writes(): number {
    return this.#updates;
  }
}
