/**
 * The operator's metrics, under controller-runtime's names so existing dashboards work, plus Bulkhead's own.
 * Adapters turn them into the hooks the work queue and the worker pool accept.
 */
import type { ReconcileObserver } from '../controller/workers.ts';
import type { WorkQueueMetrics } from '../controller/workqueue.ts';
import { Registry, type Counter, type Gauge, type Histogram } from './metrics.ts';

const reconcileBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60];
const queueBuckets = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000];

/** The kinds of object the isolation audit reports, always present in bulkhead_envelope_widenings. */
const widenedKinds = ['ClusterRoleBinding', 'RoleBinding', 'NetworkPolicy', 'Pod', 'Secret'];

export type ReadyStatus = 'True' | 'False' | 'Unknown';

export class Metrics {
  readonly registry = new Registry();
  readonly reconcileTotal: Counter = this.registry.counter('controller_runtime_reconcile_total', 'Total number of reconciliations per controller', ['controller', 'result']);
  readonly reconcileErrors: Counter = this.registry.counter('controller_runtime_reconcile_errors_total', 'Total number of reconciliation errors per controller', ['controller']);
  readonly reconcileTime: Histogram = this.registry.histogram('controller_runtime_reconcile_time_seconds', 'Length of time per reconciliation per controller', ['controller'], reconcileBuckets);
  readonly workqueueDepth: Gauge = this.registry.gauge('workqueue_depth', 'Current depth of workqueue', ['name']);
  readonly workqueueAdds: Counter = this.registry.counter('workqueue_adds_total', 'Total number of adds handled by workqueue', ['name']);
  readonly workqueueRetries: Counter = this.registry.counter('workqueue_retries_total', 'Total number of retries handled by workqueue', ['name']);
  readonly workqueueWorkDuration: Histogram = this.registry.histogram('workqueue_work_duration_seconds', 'How long in seconds processing an item from workqueue takes.', ['name'], queueBuckets);
  readonly workqueueQueueDuration: Histogram = this.registry.histogram('workqueue_queue_duration_seconds', 'How long in seconds an item stays in workqueue before being requested', ['name'], queueBuckets);
  readonly restClientRequests: Counter = this.registry.counter('rest_client_requests_total', 'Number of HTTP requests, partitioned by status code, method, and host.', ['code', 'method', 'host']);
  readonly policies: Gauge = this.registry.gauge('bulkhead_policies', 'AgentPolicies by their Ready condition', ['ready']);
  readonly applySkipped: Counter = this.registry.counter('bulkhead_apply_skipped_total', 'Server-side applies skipped because the cached object already matched', ['kind']);
  readonly envelopeWidenings: Gauge = this.registry.gauge('bulkhead_envelope_widenings', 'Objects Bulkhead did not make that widen an agent envelope, found by the last isolation audit, by kind', ['kind']);
  readonly heapReclaims: Counter = this.registry.counter('bulkhead_heap_reclaims_total', 'Memory-reducing garbage collections run once the controller had been idle after a burst of work', []);
  readonly driftRepairs: Counter = this.registry.counter('bulkhead_drift_repairs_total', 'Envelope objects found changed on the cluster and restored, by kind and by the write that restored them (apply or update)', ['kind', 'repair']);

  /** Hooks for a WorkQueue. */
  workQueueHooks(): WorkQueueMetrics {
    return {
      depth: (name, depth) => this.workqueueDepth.set({ name }, depth),
      add: (name) => this.workqueueAdds.inc({ name }),
      retry: (name) => this.workqueueRetries.inc({ name }),
      workDuration: (name, seconds) => this.workqueueWorkDuration.observe({ name }, seconds),
      queueDuration: (name, seconds) => this.workqueueQueueDuration.observe({ name }, seconds),
    };
  }

  /** Hooks for the worker pool of one controller; `failed` is forwarded to `onError` (for logging). */
  reconcileObserver(controller: string, onError?: ReconcileObserver['failed']): ReconcileObserver {
    return {
      reconciled: (_key, outcome, seconds) => {
        this.reconcileTotal.inc({ controller, result: outcome });
        this.reconcileTime.observe({ controller }, seconds);
      },
      failed: (key, error, retries) => {
        this.reconcileErrors.inc({ controller });
        onError?.(key, error, retries);
      },
    };
  }

  /** Replace the widening counts of the last isolation audit; kinds seen before and absent now drop to zero. */
  setWidenings(byKind: Readonly<Record<string, number>>): void {
    for (const kind of new Set([...widenedKinds, ...Object.keys(byKind)])) this.envelopeWidenings.set({ kind }, byKind[kind] ?? 0);
  }

  /** Replace the policy counts by Ready status (True/False/Unknown all present, zero when none). */
  setPolicyCounts(counts: Partial<Record<ReadyStatus, number>>): void {
    for (const ready of ['True', 'False', 'Unknown'] as const) this.policies.set({ ready }, counts[ready] ?? 0);
  }
}
