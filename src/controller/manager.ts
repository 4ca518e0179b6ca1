/**
 * The running operator: leader election, then informers for AgentPolicy and every owned kind, a work queue, workers
 * running the reconciler, a periodic resync, and the health and metrics endpoints. Stops gracefully: in-flight
 * reconciles drain, informers stop, the lease is released.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { apiVersion as policyApiVersion, kind as policyKind, managedByLabel, managedByValue, plural } from '../api/v1alpha1/well-known.ts';
import type { OperatorConfig } from '../config.ts';
import { makeKubeClients, type KubeClients } from '../kube/client.ts';
import { clusterReader, kindKey } from '../kube/cluster-reader.ts';
import { clusterWriter } from '../kube/cluster-writer.ts';
import { Informer } from '../kube/informer.ts';
import { kubeLeaseStore } from '../kube/lease-store.ts';
import { kubeListWatch } from '../kube/list-watch.ts';
import { OwnerIndex } from '../kube/owner-index.ts';
import { resourceTable, type ResourceKind } from '../kube/resource-table.ts';
import { discoveryServedKinds } from '../kube/served-kinds.ts';
import type { Metrics } from '../observability/controller-metrics.ts';
import { startHealthServer, type HealthServer } from '../observability/health-server.ts';
import { owningPolicies } from './enqueue.ts';
import { KindDiscovery } from './kind-discovery.ts';
import { LeaderElector } from './leader-election.ts';
import type { KubeObject } from './ports.ts';
import { createReconciler } from './reconciler.ts';
import { startWorkers, type WorkerPool } from './workers.ts';
import { WorkQueue } from './workqueue.ts';

export interface LeaderElectionSettings {
  readonly namespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

export interface ManagerOptions {
  readonly kubeConfig: KubeConfig;
  readonly config: OperatorConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Policies reconciled at once (never two passes of one policy). */
  readonly concurrency?: number;
  /** Every policy is reconciled again this often, events or not (default 10 minutes). */
  readonly resyncMs?: number;
  /** How often discovery is asked whether optional kinds (SealedSecret) are served (default 5 s). */
  readonly kindDiscoveryMs?: number;
  /** Port of /healthz, /readyz, /metrics; 0 picks one; undefined serves nothing. */
  readonly healthPort?: number;
  /** Undefined runs without leader election (a single replica, or tests). */
  readonly leaderElection?: LeaderElectionSettings;
  readonly now?: () => Date;
}

export type StopReason = 'stopped' | 'lost-leadership';

export interface RunningManager {
  /** Settles when the manager has stopped, saying why. */
  readonly done: Promise<StopReason>;
  readonly healthPort: number | undefined;
  isLeading(): boolean;
  /** Graceful stop: drain, stop informers, release the lease. */
  stop(): Promise<void>;
}

const queueName = 'agentpolicy';

/** The controllers proper: informers, queue, workers, resync. Started when leading. */
class Controllers {
  readonly queue: WorkQueue;
  readonly #options: ManagerOptions;
  readonly #clients: KubeClients;
  readonly #policies: Informer;
  readonly #owned = new Map<string, Informer>();
  readonly #ownerIndex = new OwnerIndex();
  readonly #discovery: KindDiscovery<ResourceKind>;
  #workers: WorkerPool | undefined;
  #resync: NodeJS.Timeout | undefined;
  #synced = false;
  #countTimer: NodeJS.Timeout | undefined;

  constructor(options: ManagerOptions, clients: KubeClients) {
    this.#options = options;
    this.#clients = clients;
    this.queue = new WorkQueue({ name: queueName, metrics: options.metrics.workQueueHooks() });
    this.#policies = this.#informer({ apiVersion: policyApiVersion, kind: policyKind, plural }, undefined);
    // Once synced, policy events also recount bulkhead_policies, so the gauge follows status writes instead of
    // waiting for the next resync; start() counts the initial list once.
    const changed = (p: KubernetesObject): void => {
      this.queue.add(p.metadata?.name ?? '');
      if (this.#synced) this.#scheduleCount();
    };
    this.#policies.on({ add: changed, update: changed, delete: changed });
    this.#discovery = new KindDiscovery<ResourceKind>({
      kinds: (resourceTable as readonly ResourceKind[]).filter((k) => k.optional === true),
      port: discoveryServedKinds(clients),
      ...(options.kindDiscoveryMs === undefined ? {} : { intervalMs: options.kindDiscoveryMs }),
      onServed: (kind) => this.#kindServed(kind),
      onUnserved: (kind) => this.#kindUnserved(kind),
      onError: (err) => options.log.warn({ err }, 'discovery of optional kinds failed; retrying'),
    });
  }

  get synced(): boolean {
    return this.#synced;
  }

  async start(): Promise<void> {
    const log = this.#options.log;
    for (const kind of resourceTable as readonly ResourceKind[]) if (kind.optional !== true) this.#watchKind(kind);
    await this.#discovery.start();
    this.#policies.start();
    await Promise.all([this.#policies, ...this.#owned.values()].map((i) => i.waitForSync()));
    this.#synced = true;
    log.info({ kinds: [...this.#owned.keys()] }, 'caches synced');

    const reconcile = createReconciler({
      config: this.#options.config,
      reader: clusterReader({
        policies: this.#policies,
        owned: this.#owned,
        ownerIndex: this.#ownerIndex,
        objects: this.#clients.objects,
        rbac: this.#clients.rbac,
      }),
      writer: clusterWriter({ ...this.#clients, identity: this.#options.leaderElection?.identity ?? 'bulkhead' }),
      log,
      now: this.#options.now ?? (() => new Date()),
      metrics: { applySkipped: (kind) => this.#options.metrics.applySkipped.inc({ kind }) },
    });
    this.#workers = startWorkers({
      queue: this.queue,
      reconcile,
      concurrency: this.#options.concurrency ?? 4,
      observer: this.#options.metrics.reconcileObserver(queueName, (key, error, retries) =>
        log.warn({ agentPolicy: key, retries, err: error instanceof Error ? error.message : String(error) }, 'reconcile failed; retrying'),
      ),
    });
    this.#resync = setInterval(() => this.#resyncAll(), this.#options.resyncMs ?? 600_000);
    this.#resync.unref();
    this.#countPolicies();
  }

  async stop(): Promise<void> {
    await this.#discovery.stop();
    clearInterval(this.#resync);
    clearTimeout(this.#countTimer);
    await this.queue.shutDownWithDrain();
    await this.#workers?.finished;
    await Promise.all([this.#policies, ...this.#owned.values()].map((i) => i.stop()));
  }

  #informer(kind: Pick<ResourceKind, 'apiVersion' | 'kind' | 'plural'>, labelSelector: string | undefined): Informer {
    const log = this.#options.log;
    return new Informer({
      name: kind.kind,
      source: kubeListWatch<KubernetesObject>(
        { kubeConfig: this.#clients.kubeConfig, objects: this.#clients.objects },
        { apiVersion: kind.apiVersion, kind: kind.kind, plural: kind.plural, ...(labelSelector === undefined ? {} : { labelSelector }) },
      ),
      onError: (error, restartInMs) => log.warn({ kind: kind.kind, err: error.message, restartInMs }, 'informer restarting'),
    });
  }

  /** Starts the informer of one owned kind (an optional one once discovery says it is served). */
  #watchKind(kind: ResourceKind): Informer {
    const key = kindKey(kind.apiVersion, kind.kind);
    const watching = this.#owned.get(key);
    if (watching !== undefined) return watching;
    const informer = this.#informer(kind, `${managedByLabel}=${managedByValue}`);
    const enqueue = (object: KubernetesObject): void => {
      for (const name of owningPolicies(object as KubeObject)) this.queue.add(name);
    };
    informer.on({
      add: (o) => {
        this.#ownerIndex.upsert(o);
        enqueue(o);
      },
      update: (o, previous) => {
        this.#ownerIndex.upsert(o, previous);
        enqueue(o);
        enqueue(previous);
      },
      delete: (o) => {
        this.#ownerIndex.remove(o);
        enqueue(o);
      },
    });
    this.#owned.set(key, informer);
    informer.start();
    return informer;
  }

  /** An optional kind became served (its CRD was installed): watch it, and let every policy apply its objects. */
  async #kindServed(kind: ResourceKind): Promise<void> {
    const informer = this.#watchKind(kind);
    this.#options.log.info({ kind: kind.kind }, 'kind served by the API server; watching it');
    // Not awaited: a stop must not wait for a list that may never succeed. Before the first sync, start() waits.
    void informer.waitForSync().then(() => {
      if (this.#synced) this.#enqueueAll();
    });
  }

  /** An optional kind is gone (its CRD was removed): forget its cache, so policies report it unavailable. */
  async #kindUnserved(kind: ResourceKind): Promise<void> {
    const key = kindKey(kind.apiVersion, kind.kind);
    const informer = this.#owned.get(key);
    this.#owned.delete(key);
    await informer?.stop();
    for (const object of informer?.list() ?? []) this.#ownerIndex.remove(object);
    this.#options.log.info({ kind: kind.kind }, 'kind no longer served by the API server; stopped watching it');
    if (this.#synced) this.#enqueueAll();
  }

  #enqueueAll(): void {
    for (const policy of this.#policies.list()) this.queue.add(policy.metadata?.name ?? '');
  }

  #resyncAll(): void {
    this.#enqueueAll();
    this.#countPolicies();
  }

  /**
   * A recount walks the whole cache: a burst of events (10,000 status writes after a restart) is coalesced into one
   * walk a second instead of one walk per event.
   */
  #scheduleCount(): void {
    if (this.#countTimer !== undefined) return;
    this.#countTimer = setTimeout(() => {
      this.#countTimer = undefined;
      this.#countPolicies();
    }, 1_000);
    this.#countTimer.unref();
  }

  #countPolicies(): void {
    const counts = { True: 0, False: 0, Unknown: 0 };
    for (const policy of this.#policies.list()) {
      const conditions = (policy as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready')?.status;
      counts[ready === 'True' || ready === 'False' ? ready : 'Unknown'] += 1;
    }
    this.#options.metrics.setPolicyCounts(counts);
  }
}

export async function startManager(options: ManagerOptions): Promise<RunningManager> {
  const log = options.log;
  const clients = makeKubeClients(options.kubeConfig, (method, code, host) =>
    options.metrics.restClientRequests.inc({ code, method, host }),
  );
  let controllers: Controllers | undefined;
  let leading = options.leaderElection === undefined;
  let settle: (reason: StopReason) => void = () => undefined;
  const done = new Promise<StopReason>((resolve) => (settle = resolve));

  const health: HealthServer | undefined =
    options.healthPort === undefined
      ? undefined
      : await startHealthServer({
          port: options.healthPort,
          host: '0.0.0.0',
          // A standby replica is ready (it serves nothing but waits its turn); a leader once its caches synced.
          ready: () => (!leading ? true : controllers?.synced === true ? true : 'caches not synced'),
          metrics: () => options.metrics.registry.render(),
        });

  const startControllers = async (): Promise<void> => {
    controllers = new Controllers(options, clients);
    await controllers.start();
  };
  const failStart = (error: unknown): void => {
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'controllers failed to start');
    void stop('lost-leadership');
  };

  let elector: LeaderElector | undefined;
  if (options.leaderElection === undefined) {
    startControllers().catch(failStart);
  } else {
    const election = options.leaderElection;
    elector = new LeaderElector({
      store: kubeLeaseStore(clients.coordination, election.namespace, election.leaseName),
      identity: election.identity,
      ...(election.leaseDurationMs === undefined ? {} : { leaseDurationMs: election.leaseDurationMs }),
      ...(election.renewDeadlineMs === undefined ? {} : { renewDeadlineMs: election.renewDeadlineMs }),
      ...(election.retryPeriodMs === undefined ? {} : { retryPeriodMs: election.retryPeriodMs }),
      onStartedLeading: () => {
        leading = true;
        log.info({ identity: election.identity }, 'became leader');
        startControllers().catch(failStart);
      },
      onStoppedLeading: (reason) => {
        leading = false;
        if (reason === 'lost') {
          // Another replica may already be reconciling: stop at once, like controller-runtime, and let the
          // process exit so it restarts as a fresh candidate.
          log.error({ identity: election.identity }, 'lost leadership; stopping');
          void stop('lost-leadership');
        }
      },
      onError: (error) => log.warn({ err: error instanceof Error ? error.message : String(error) }, 'leader election attempt failed'),
    });
    void elector.run();
    log.info({ identity: election.identity, lease: `${election.namespace}/${election.leaseName}` }, 'waiting for leadership');
  }

  let stopping: Promise<void> | undefined;
  const stop = (reason: StopReason = 'stopped'): Promise<void> =>
    (stopping ??= (async () => {
      await controllers?.stop();
      await elector?.stop();
      await health?.close();
      log.info({ reason }, 'stopped');
      settle(reason);
    })());

  return {
    done,
    healthPort: health?.port,
    isLeading: () => leading,
    stop: () => stop(),
  };
}
