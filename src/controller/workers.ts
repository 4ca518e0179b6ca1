/**
 * The controller loop over a work queue, as controller-runtime's processNextWorkItem: `concurrency` workers take
 * keys, reconcile them, and requeue according to the result. A thrown error is retried with the key's rate-limited
 * backoff; success forgets the key's failures; `requeueAfter` schedules a fresh pass.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { WorkQueue } from './workqueue.ts';

export interface ReconcileResult {
  /** Requeue with the rate limiter's backoff even though nothing failed. */
  readonly requeue?: boolean;
  /** Reconcile again after this many milliseconds (takes precedence over `requeue`). */
  readonly requeueAfterMs?: number;
}

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

/** Hooks for metrics and logs; the pool itself never logs. */
export interface ReconcileObserver {
  /** One call per reconcile, with its outcome and duration (controller_runtime_reconcile_total / _time_seconds). */
  reconciled?(key: string, outcome: ReconcileOutcome, seconds: number): void;
  /** The error a reconcile threw; the key is retried with backoff. */
  failed?(key: string, error: unknown, retries: number): void;
}

export interface WorkerPoolOptions {
  readonly queue: WorkQueue;
  readonly reconcile: Reconcile;
  /** Number of keys reconciled at once (default 1). Never two workers on the same key. */
  readonly concurrency?: number;
  readonly observer?: ReconcileObserver;
  /** Milliseconds clock for durations (default performance.now). */
  readonly now?: () => number;
}

export interface WorkerPool {
  /** Resolves when every worker has exited (after the queue shuts down and in-flight keys are done). */
  readonly finished: Promise<void>;
}

export function startWorkers(options: WorkerPoolOptions): WorkerPool {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`worker concurrency must be a positive integer, got ${concurrency}`);
  }
  const workers = Array.from({ length: concurrency }, () => runWorker(options));
  return { finished: Promise.all(workers).then(() => undefined) };
}

async function runWorker(options: WorkerPoolOptions): Promise<void> {
  const { queue, reconcile, observer } = options;
  const now = options.now ?? (() => performance.now());
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    const started = now();
    let outcome: ReconcileOutcome;
    try {
      const result = await reconcile(key);
      if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        queue.forget(key);
        queue.addAfter(key, result.requeueAfterMs);
        outcome = 'requeue_after';
      } else if (result?.requeue === true) {
        queue.addRateLimited(key);
        outcome = 'requeue';
      } else {
        queue.forget(key);
        outcome = 'success';
      }
    } catch (error) {
      queue.addRateLimited(key);
      outcome = 'error';
      observer?.failed?.(key, error, queue.numRequeues(key));
    } finally {
      queue.done(key);
    }
    observer?.reconciled?.(key, outcome, (now() - started) / 1000);
    // A pass that finds everything cached and in place does no I/O, so without this the workers would chain pass
    // after pass in microtasks and starve the event loop: at 10,000 policies a run of such passes held it 8 s, the
    // Lease went unrenewed past its deadline and the operator lost leadership. One turn per key lets timers, the
    // health endpoints and responses in.
    await nextTurn();
  }
}
