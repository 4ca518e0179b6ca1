/**
 * The running operator: leader election, then informers for AgentPolicy and every owned kind, a work queue, workers
 * running the reconciler, a periodic resync, and the health and metrics endpoints. Stops gracefully: in-flight
 * reconciles drain, informers stop, the lease is released.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import { makeKubeClients, type KubeClients } from '../kube/client.ts';
import { clusterReader } from '../kube/cluster-reader.ts';
import { clusterWriter } from '../kube/cluster-writer.ts';
import { kubeLeaseStore } from '../kube/lease-store.ts';
import { discoveryServedKinds } from '../kube/served-kinds.ts';
import { resourceTable, type ResourceKind } from '../envelope/resource-table.ts';
import type { Metrics } from '../observability/controller-metrics.ts';
import { startHealthServer, type HealthServer } from '../observability/health-server.ts';
import { owningPolicies } from './enqueue.ts';
import { KindDiscovery } from './kind-discovery.ts';
import { LeaderElector } from './leader-election.ts';
import { EnvelopeInformers } from './informers.ts';
import { IsolationAudit } from './isolation-audit.ts';
import { PolicyGauge } from './policy-gauge.ts';
import { createReconciler } from './reconciler.ts';
import { createRuntimeClassCollector } from './runtime-class-gc.ts';
import type { ClusterReader, KubeObject } from './ports.ts';
import { resourceKindOf } from '../envelope/resource-table.ts';
import { normalize } from '../envelope/drift.ts';
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
  /** How often the isolation audit looks for objects that widen an envelope from outside (default 60 s). */
  readonly auditIntervalMs?: number;
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
/** How long a graceful stop lets in-flight reconciles finish before their requests are aborted. */
const stopGraceMs = 10_000;
const classQueueName = 'runtimeclass';

/** The controllers proper: informers, queue, workers, resync. Started when leading. */
class Controllers {
  readonly queue: WorkQueue;
  /** Keys are RuntimeClass names: the collector deletes a managed class no policy names. */
  readonly classQueue: WorkQueue;
  readonly #options: ManagerOptions;
  readonly #clients: KubeClients;
  readonly #informers: EnvelopeInformers;
  readonly #gauge: PolicyGauge;
  readonly #discovery: KindDiscovery<ResourceKind>;
  #workers: WorkerPool | undefined;
  #classWorkers: WorkerPool | undefined;
  #audit: IsolationAudit | undefined;
  #resync: NodeJS.Timeout | undefined;
  #synced = false;

  constructor(options: ManagerOptions, clients: KubeClients) {
    this.#options = options;
    this.#clients = clients;
    this.queue = new WorkQueue({ name: queueName, metrics: options.metrics.workQueueHooks() });
    this.classQueue = new WorkQueue({ name: classQueueName, metrics: options.metrics.workQueueHooks() });
    this.#informers = new EnvelopeInformers(
      clients,
      {
        // Once synced, policy events also recount bulkhead_policies, so the gauge follows status writes instead of
        // waiting for the next resync; start() counts the initial list once.
        policyChanged: (p) => {
          this.queue.add(p.metadata?.name ?? '');
          if (this.#audit?.covers(p.metadata?.name ?? '') === false) this.#audit.requestSoon();
          if (this.#synced) this.#gauge.schedule();
        },
        ownedChanged: (o) => {
          for (const name of owningPolicies(o)) this.queue.add(name);
        },
        verifiedChanged: () => {
          if (this.#synced) this.#enqueueAll();
        },
        runtimeClassChanged: (className, current, previous) => {
          this.classQueue.add(className);
          // Only a change of what policies depend on (or a deletion) concerns them; the class's own creation,
          // relabelling or resync does not wake every policy sharing it.
          if (previous !== undefined && (current === undefined || runtimeClassContentChanged(current, previous))) {
            for (const name of this.#runtimeClassReader().policiesNamingRuntimeClass(className)) this.queue.add(name);
          }
        },
      },
      options.log,
      options.config.ceilingClusterRole,
    );
    this.#gauge = new PolicyGauge(() => this.#informers.policies.list(), (counts) => options.metrics.setPolicyCounts(counts));
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
    await this.#discovery.start(); // optional kinds served now get their informers before the caches sync
    await this.#informers.start();
    this.#synced = true;
    log.info({ kinds: this.#informers.watchedKinds() }, 'caches synced');

    const metrics = this.#options.metrics;
    const reader = this.#runtimeClassReader();
    const writer = clusterWriter({ ...this.#clients, identity: this.#options.leaderElection?.identity ?? 'bulkhead' });
    const audit = new IsolationAudit({
      clients: this.#clients,
      config: this.#options.config,
      log,
      policies: () => this.#informers.policies.list(),
      changed: (name) => this.queue.add(name),
      counted: (byKind) => metrics.setWidenings(byKind),
      ...(this.#options.auditIntervalMs === undefined ? {} : { intervalMs: this.#options.auditIntervalMs }),
    });
    this.#audit = audit;
    const reconcile = createReconciler({
      // A pass may just have removed what widened the envelope (pruned a binding it no longer wants): look again soon
      // rather than report a stale widening until the next interval. No loop: the audit enqueues only on change.
      isolation: (name) => {
        const observed = audit.observation(name);
        if (observed?.status !== 'True') audit.requestSoon();
        return observed;
      },
      config: this.#options.config,
      reader,
      writer,
      log,
      now: this.#options.now ?? (() => new Date()),
      metrics: {
        applySkipped: (kind) => metrics.applySkipped.inc({ kind }),
        driftRepaired: (kind, repair) => metrics.driftRepairs.inc({ kind, repair }),
      },
    });
    this.#workers = startWorkers({
      queue: this.queue,
      reconcile,
      concurrency: this.#options.concurrency ?? 4,
      // The reconciler logs its own joined error with the policy's logger; this only counts.
      observer: metrics.reconcileObserver(queueName, () => undefined),
    });
    this.#classWorkers = startWorkers({
      queue: this.classQueue,
      reconcile: createRuntimeClassCollector({ reader, writer, log }),
      concurrency: 1,
      observer: metrics.reconcileObserver(classQueueName, (key, err) => log.warn({ runtimeClass: key, err }, 'RuntimeClass collection failed; retrying')),
    });
    this.#resync = setInterval(() => this.#resyncAll(), this.#options.resyncMs ?? 600_000);
    this.#resync.unref();
    this.#gauge.count();
    audit.start();
  }

  async stop(): Promise<void> {
    await this.#discovery.stop();
    clearInterval(this.#resync);
    await this.#audit?.stop();
    this.#gauge.stop();
    await Promise.all([this.queue.shutDownWithDrain(), this.classQueue.shutDownWithDrain()]);
    await Promise.all([this.#workers?.finished, this.#classWorkers?.finished]);
    await this.#informers.stop();
  }

  #reader: ClusterReader | undefined;

  /** The one ClusterReader over the caches (built on first use: the informers exist from the constructor on). */
  #runtimeClassReader(): ClusterReader {
    this.#reader ??= clusterReader(this.#informers.sources({ objects: this.#clients.objects, rbac: this.#clients.rbac }));
    return this.#reader;
  }

  #enqueueAll(): void {
    for (const policy of this.#informers.policies.list()) this.queue.add(policy.metadata?.name ?? '');
  }

  /** An optional kind became served (its CRD was installed): watch it, then let every policy apply its objects. */
  async #kindServed(kind: ResourceKind): Promise<void> {
    const informer = this.#informers.watchKind(kind);
    this.#options.log.info({ kind: kind.kind }, 'kind served by the API server; watching it');
    // Not awaited: a stop must not wait for a list that may never succeed. Before the first sync, start() waits.
    void informer.waitForSync().then(() => {
      if (this.#synced) this.#enqueueAll();
    });
  }

  /** An optional kind is gone (its CRD was removed): forget its cache, so policies report it unavailable. */
  async #kindUnserved(kind: ResourceKind): Promise<void> {
    await this.#informers.unwatchKind(kind);
    this.#options.log.info({ kind: kind.kind }, 'kind no longer served by the API server; stopped watching it');
    if (this.#synced) this.#enqueueAll();
  }

  #resyncAll(): void {
    this.#enqueueAll();
    this.#gauge.count();
  }
}

export async function startManager(options: ManagerOptions): Promise<RunningManager> {
  const log = options.log;
  const observe = (method: string, code: string, host: string): void => options.metrics.restClientRequests.inc({ code, method, host });
  // Reconciles' requests are aborted when the operator loses leadership (another replica may already write) or when
  // a graceful stop outlasts its grace; the lease has clients of its own, so it can still be released.
  const work = new AbortController();
  const clients = makeKubeClients(options.kubeConfig, { observe, signal: work.signal });
  const leaseClients = makeKubeClients(options.kubeConfig, { observe });
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
    log.error({ err: error }, 'controllers failed to start');
    void stop('lost-leadership');
  };

  let elector: LeaderElector | undefined;
  if (options.leaderElection === undefined) {
    startControllers().catch(failStart);
  } else {
    const election = options.leaderElection;
    elector = new LeaderElector({
      store: kubeLeaseStore(leaseClients.coordination, election.namespace, election.leaseName),
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
      onError: (error) => log.warn({ err: error }, 'leader election attempt failed'),
    });
    void elector.run();
    log.info({ identity: election.identity, lease: `${election.namespace}/${election.leaseName}` }, 'waiting for leadership');
  }

  let stopping: Promise<void> | undefined;
  const stop = (reason: StopReason = 'stopped'): Promise<void> =>
    (stopping ??= (async () => {
      if (reason === 'lost-leadership') work.abort(new Error('lost leadership'));
      const grace = setTimeout(() => work.abort(new Error('stopping: in-flight requests outlasted the grace period')), stopGraceMs);
      await controllers?.stop();
      clearTimeout(grace);
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

/** Whether the fields policies depend on (handler, scheduling, overhead) differ between two versions of a class. */
function runtimeClassContentChanged(current: KubeObject, previous: KubeObject): boolean {
  return resourceKindOf(current).ownedFields.some(
    (field) => JSON.stringify(normalize(current[field], field)) !== JSON.stringify(normalize(previous[field], field)),
  );
}
