/**
 * The controllers proper, started once leading: the informers (envelope and isolation), the AgentPolicy queue and
 * its workers, the RuntimeClass collector, the isolation audit's sweep, the periodic resync and the policy gauge.
 * Event handlers map each event to the policies whose result it can change, and no further: an event of the
 * operator's own write wakes nobody (the pass that wrote it already observed it), a foreign object wakes the
 * policies of the agent namespaces it concerns.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { IncrementalAuditIndex, type Concerns } from '../audit/incremental-index.ts';
import type { AdmissionObject, Obj } from '../audit/objects.ts';
import { censusDisagrees, isCensus } from '../envelope/census.ts';
import { normalize } from '../envelope/drift.ts';
import { onlyStatusChanged } from '../envelope/status-only.ts';
import { optionalKindCrdNames, resourceKindOf, resourceTable, type ResourceKind } from '../envelope/resource-table.ts';
import { readNamespaceContents, readNamespaceSecrets } from '../kube/audit-snapshot.ts';
import type { KubeClients } from '../kube/client.ts';
import { clusterReader } from '../kube/cluster-reader.ts';
import { clusterWriter } from '../kube/cluster-writer.ts';
import type { Informer } from '../kube/informer.ts';
import { discoveryServedKinds } from '../kube/served-kinds.ts';
import { agentNamespaceOf, agentNamespaces } from './agent-namespaces.ts';
import { owningPolicies } from './enqueue.ts';
import { EnvelopeInformers } from './informers.ts';
import { HeapReclaimer } from './heap-reclaimer.ts';
import { IsolationAudit } from './isolation-audit.ts';
import { IsolationInformers } from './isolation-informers.ts';
import { KindDiscovery } from './kind-discovery.ts';
import { kindInformer } from './kind-informer.ts';
import type { ManagerOptions } from './manager.ts';
import { PolicyGauge } from './policy-gauge.ts';
import type { ClusterReader, KubeObject } from './ports.ts';
import { createReconciler } from './reconciler.ts';
import { createRuntimeClassCollector } from './runtime-class-gc.ts';
import { startWorkers, type WorkerPool } from './workers.ts';
import { WorkQueue } from './workqueue.ts';
import { WrittenObjects } from './written-objects.ts';

const queueName = 'agentpolicy';
const classQueueName = 'runtimeclass';
const admissionApiVersion = 'admissionregistration.k8s.io/v1';
const crdKind = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions' };
/** A CRD's schema is large and never read: its events are all that matters. */
const identityOnly = (o: KubernetesObject): KubernetesObject => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  metadata: { name: o.metadata?.name, uid: o.metadata?.uid, resourceVersion: o.metadata?.resourceVersion },
});

export class Controllers {
  readonly queue: WorkQueue;
  /** Keys are RuntimeClass names: the collector deletes a managed class no policy names. */
  readonly classQueue: WorkQueue;
  readonly #options: ManagerOptions;
  readonly #clients: KubeClients;
  readonly #informers: EnvelopeInformers;
  readonly #isolationInformers: IsolationInformers;
  readonly #reader: ClusterReader;
  readonly #written = new WrittenObjects();
  readonly #index: IncrementalAuditIndex;
  readonly #audit: IsolationAudit;
  readonly #gauge: PolicyGauge;
  readonly #discovery: KindDiscovery<ResourceKind>;
  /** The optional kinds' CRDs, by name: an event makes discovery look at once instead of at its next poll. */
  readonly #crds: readonly Informer[];
  #workers: WorkerPool | undefined;
  #classWorkers: WorkerPool | undefined;
  #resync: NodeJS.Timeout | undefined;
  readonly #reclaimer: HeapReclaimer;
  #synced = false;

  constructor(options: ManagerOptions, clients: KubeClients) {
    this.#options = options;
    this.#clients = clients;
    const { log, metrics } = options;
    this.queue = new WorkQueue({ name: queueName, metrics: metrics.workQueueHooks() });
    this.classQueue = new WorkQueue({ name: classQueueName, metrics: metrics.workQueueHooks() });
    this.#informers = new EnvelopeInformers(
      clients,
      {
        policyChanged: (p) => this.#policyChanged(p),
        ownedChanged: (o, previous) => this.#ownedChanged(o, previous),
        verifiedChanged: () => {
          if (this.#synced) this.#enqueueAll();
        },
        runtimeClassChanged: (className, current, previous) => {
          this.classQueue.add(className);
          // Only a change of what policies depend on (or a deletion) concerns them; the class's own creation,
          // relabelling or resync does not wake every policy sharing it.
          if (previous !== undefined && (current === undefined || runtimeClassContentChanged(current, previous))) {
            for (const name of this.#reader.policiesNamingRuntimeClass(className)) this.queue.add(name);
          }
        },
        cached: (apiVersion, kind, current, previous) => this.#isolationInformers.envelopeCached(apiVersion, kind, current, previous),
      },
      log,
      options.config.ceilingClusterRole,
    );
    const index = (this.#index = new IncrementalAuditIndex({
      namespace: (name) => this.#reader.cached({ apiVersion: 'v1', kind: 'Namespace', name }) as Obj | undefined,
      admissionPolicy: (name) =>
        this.#reader.installed({ apiVersion: admissionApiVersion, kind: 'ValidatingAdmissionPolicy', name }) as AdmissionObject | undefined,
      admissionBinding: (name) =>
        this.#reader.installed({ apiVersion: admissionApiVersion, kind: 'ValidatingAdmissionPolicyBinding', name }) as AdmissionObject | undefined,
    }));
    this.#isolationInformers = new IsolationInformers(
      clients,
      index,
      (concerns) => this.#foreignChanged(concerns),
      (o) => owningPolicies(o).length > 0,
      log,
    );
    this.#reader = clusterReader({
      ...this.#informers.sources({ objects: clients.objects, rbac: clients.rbac }),
      runtimeClass: (name) => index.runtimeClass(name) as KubeObject | undefined,
    });
    this.#audit = new IsolationAudit({
      config: options.config,
      log,
      index,
      readNamespace: (namespace) => readNamespaceContents(clients, namespace),
      readSecrets: (namespace) => readNamespaceSecrets(clients, namespace),
      agentNamespaces: () => agentNamespaces(this.#informers.policies.list()),
      changed: (name) => this.queue.add(name),
      counted: (byKind) => metrics.setWidenings(byKind),
      ...(options.auditIntervalMs === undefined ? {} : { intervalMs: options.auditIntervalMs }),
    });
    this.#gauge = new PolicyGauge(() => this.#informers.policies.list(), (counts) => metrics.setPolicyCounts(counts));
    this.#discovery = new KindDiscovery<ResourceKind>({
      kinds: (resourceTable as readonly ResourceKind[]).filter((k) => k.optional === true),
      port: discoveryServedKinds(clients),
      ...(options.kindDiscoveryMs === undefined ? {} : { intervalMs: options.kindDiscoveryMs }),
      onServed: (kind) => this.#kindServed(kind),
      onUnserved: (kind) => this.#kindUnserved(kind),
      onError: (err) => log.warn({ err }, 'discovery of optional kinds failed; retrying'),
    });
    this.#reclaimer = new HeapReclaimer({
      idle: () => this.queue.idle && this.classQueue.idle,
      gc: globalThis.gc,
      reclaimed: (before, after, ms) => {
        metrics.heapReclaims.inc();
        log.debug({ committedBefore: before.committed, committedAfter: after.committed, usedAfter: after.used, ms: Math.round(ms) }, 'heap reclaimed while idle');
      },
    });
    this.#crds = optionalKindCrdNames.map((name) => {
      const informer = kindInformer(clients, crdKind, log, { fieldSelector: `metadata.name=${name}`, transform: identityOnly });
      const look = (): void => this.#discovery.pollSoon();
      informer.on({ add: look, update: look, delete: look });
      return informer;
    });
  }

  get synced(): boolean {
    return this.#synced;
  }

  async start(): Promise<void> {
    const { log, metrics } = this.#options;
    for (const crd of this.#crds) crd.start();
    await this.#discovery.start(); // optional kinds served now get their informers before the caches sync
    await Promise.all([this.#informers.start(), this.#isolationInformers.start()]);
    this.#synced = true;
    log.info({ kinds: this.#informers.watchedKinds() }, 'caches synced');

    const writer = clusterWriter({ ...this.#clients, identity: this.#options.leaderElection?.identity ?? 'bulkhead' });
    const reconcile = createReconciler({
      isolation: (policy) => this.#audit.observe(policy),
      written: this.#written,
      config: this.#options.config,
      reader: this.#reader,
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
      reconcile: createRuntimeClassCollector({ reader: this.#reader, writer, log }),
      concurrency: 1,
      observer: metrics.reconcileObserver(classQueueName, (key, err) => log.warn({ runtimeClass: key, err }, 'RuntimeClass collection failed; retrying')),
    });
    this.#resync = setInterval(() => this.#resyncAll(), this.#options.resyncMs ?? 600_000);
    this.#resync.unref();
    this.#gauge.count();
    this.#audit.start();
    if (!this.#reclaimer.available) log.debug('started without --expose-gc: heap pages freed after a burst stay resident');
    this.#reclaimer.start();
  }

  async stop(): Promise<void> {
    await this.#discovery.stop();
    clearInterval(this.#resync);
    this.#reclaimer.stop();
    await this.#audit.stop();
    this.#gauge.stop();
    await Promise.all([this.queue.shutDownWithDrain(), this.classQueue.shutDownWithDrain()]);
    await Promise.all([this.#workers?.finished, this.#classWorkers?.finished]);
    await Promise.all([this.#informers.stop(), this.#isolationInformers.stop(), ...this.#crds.map((c) => c.stop())]);
  }

  /**
   * A policy was added, changed or deleted. Its own finalizer and status writes coming back wake nobody; once
   * synced, every event also recounts bulkhead_policies, so the gauge follows status writes between resyncs.
   */
  #policyChanged(policy: KubernetesObject): void {
    const name = policy.metadata?.name ?? '';
    if (this.#synced) this.#gauge.schedule();
    if (this.#informers.policies.get(name) === undefined) {
      this.#audit.forget(name, agentNamespaceOf(policy));
      this.queue.add(name);
      return;
    }
    if (!this.#written.ownEvent(policy as KubeObject)) this.queue.add(name);
  }

  /**
   * An owned object changed. Nobody wakes for the operator's own write coming back, nor for a change of status
   * alone (a quota counting), except the census's counts disagreeing with the pods and Secrets last listed in its
   * namespace: a pod or Secret came or went, so the listing is dropped and the policy's next pass lists again.
   */
  #ownedChanged(object: KubeObject, previous: KubeObject | undefined): void {
    if (this.#written.ownEvent(object)) return;
    const owners = new Set([...owningPolicies(object), ...(previous === undefined ? [] : owningPolicies(previous))]);
    const namespace = object.metadata.namespace ?? '';
    if (isCensus(object) && this.#index.hasNamespaceContents(namespace)) {
      if (censusDisagrees(object, this.#index.pods(namespace), this.#index.secrets(namespace))) {
        this.#index.forgetNamespace(namespace);
        for (const name of owners) this.queue.add(name);
        return;
      }
    }
    if (previous !== undefined && onlyStatusChanged(object, previous)) return;
    for (const name of owners) this.queue.add(name);
  }

  /** A foreign binding, NetworkPolicy, role or RuntimeClass changed: wake the policies whose isolation it concerns. */
  #foreignChanged(concerns: Concerns): void {
    if (!this.#synced) return; // the first passes after the sync see everything the initial lists held
    if (concerns === 'all') {
      this.#enqueueAll();
      return;
    }
    const byNamespace = agentNamespaces(this.#informers.policies.list());
    for (const namespace of concerns.namespaces) {
      const name = byNamespace.get(namespace);
      if (name !== undefined) this.queue.add(name);
    }
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

/** Whether the fields policies depend on (handler, scheduling, overhead) differ between two versions of a class. */
function runtimeClassContentChanged(current: KubeObject, previous: KubeObject): boolean {
  return resourceKindOf(current).ownedFields.some(
    (field) => JSON.stringify(normalize(current[field], field)) !== JSON.stringify(normalize(previous[field], field)),
  );
}
