/**
 * A work queue of string keys with controller-runtime's semantics (client-go's rate-limiting delaying queue):
 * - `add` merges duplicates: a key queued twice is handed out once;
 * - a key is never handed to two workers at once: re-added while processing, it is marked dirty and queued again
 *   when the worker calls `done`;
 * - `addAfter` queues a key after a delay (the earliest pending delay per key wins);
 * - `addRateLimited` queues it after the rate limiter's delay, `forget` clears its failure history;
 * - `shutDown` stops handing out keys; `shutDownWithDrain` also waits for the keys being processed to be done.
 * No global state: metrics reach the caller through the optional `WorkQueueMetrics` hooks.
 */
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

/** Observation hooks, named after client-go's workqueue metrics. All optional. */
export interface WorkQueueMetrics {
  /** Keys waiting to be handed out (workqueue_depth). */
  depth?(name: string, depth: number): void;
  /** One call per accepted `add` (workqueue_adds_total). */
  add?(name: string): void;
  /** One call per `addRateLimited` (workqueue_retries_total). */
  retry?(name: string): void;
  /** Seconds between a key being handed out and `done` (workqueue_work_duration_seconds). */
  workDuration?(name: string, seconds: number): void;
  /** Seconds a key waited in the queue before being handed out (workqueue_queue_duration_seconds). */
  queueDuration?(name: string, seconds: number): void;
}

export interface WorkQueueOptions {
  /** Names the queue in metrics and logs. */
  readonly name: string;
  readonly rateLimiter?: RateLimiter;
  readonly metrics?: WorkQueueMetrics;
  /** Milliseconds clock for the duration metrics (default performance.now). */
  readonly now?: () => number;
}

export class WorkQueue {
  readonly name: string;
  readonly #rateLimiter: RateLimiter;
  readonly #metrics: WorkQueueMetrics;
  readonly #now: () => number;

  /** Keys ready to be handed out, in order. Invariant: every key here is also in #dirty. */
  #queue: string[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  readonly #dirty = new Set<string>();
  /** Keys handed out and not yet done, with the time they were handed out. */
  readonly #processing = new Map<string, number>();
  /** When each queued key was added, for the queue-duration metric. */
  readonly #addedAt = new Map<string, number>();
  /** Pending delayed adds: key -> due time and its timer. */
  readonly #waiting = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  /** Workers blocked in `get`. */
  #getters: ((key: string | undefined) => void)[] = [];
  #shuttingDown = false;
  #drained: (() => void) | undefined;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.#metrics = options.metrics ?? {};
    this.#now = options.now ?? (() => performance.now());
  }

  /** Queue a key now. A key already queued is not queued twice; a key being processed is queued again after done. */
  add(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(key)) return;
    this.#metrics.add?.(this.name);
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#enqueue(key);
  }

  /** Queue a key after `delayMs`; a later `addAfter` never postpones an earlier pending one. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = Date.now() + delayMs;
    const pending = this.#waiting.get(key);
    if (pending !== undefined) {
      if (pending.due <= due) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, delayMs);
    // A pending retry alone must not keep the process alive.
    timer.unref?.();
    this.#waiting.set(key, { due, timer });
  }

  /** Queue a key after its rate-limited backoff (a failure). */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.#metrics.retry?.(this.name);
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Clear the key's failure history (a success). It does not remove the key from the queue. */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  /** How many rate-limited retries the key has had since it was last forgotten. */
  numRequeues(key: string): number {
    return this.#rateLimiter.retries(key);
  }

  /** Keys waiting to be handed out (not counting delayed ones or those being processed). */
  get length(): number {
    return this.#queue.length;
  }

  /** Nothing queued and nothing being processed (delayed keys aside). */
  get idle(): boolean {
    return this.#queue.length === 0 && this.#processing.size === 0;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * The next key to process; waits until one is ready. Resolves to undefined once the queue shuts down: a worker
   * then exits. Every key received must be given back with `done`.
   */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#queue.shift();
    if (key !== undefined) return Promise.resolve(this.#handOut(key));
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** The worker finished the key; if it was re-added meanwhile, it is queued again. */
  done(key: string): void {
    const started = this.#processing.get(key);
    if (started === undefined) return;
    this.#processing.delete(key);
    this.#metrics.workDuration?.(this.name, (this.#now() - started) / 1000);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#enqueue(key);
    if (this.#shuttingDown && this.#processing.size === 0) this.#drained?.();
  }

  /** Stop handing out keys and drop delayed ones; waiting workers receive undefined. Processing keys are not awaited. */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    const getters = this.#getters;
    this.#getters = [];
    for (const resolve of getters) resolve(undefined);
  }

  /** Shut down, then resolve once every key being processed is done. Keys still queued are not started. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#drained;
      this.#drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  #enqueue(key: string): void {
    const getter = this.#getters.shift();
    this.#addedAt.set(key, this.#now());
    if (getter !== undefined) {
      getter(this.#handOut(key));
      return;
    }
    this.#queue.push(key);
    this.#metrics.depth?.(this.name, this.#queue.length);
  }

  #handOut(key: string): string {
    const now = this.#now();
    const added = this.#addedAt.get(key);
    this.#addedAt.delete(key);
    if (added !== undefined) this.#metrics.queueDuration?.(this.name, (now - added) / 1000);
    this.#dirty.delete(key);
    this.#processing.set(key, now);
    this.#metrics.depth?.(this.name, this.#queue.length);
    return key;
  }
}
