/**
 * A resilient informer for one kind: list, then watch from the list's resourceVersion, keeping an in-memory cache
 * keyed by namespace/name and calling add/update/delete handlers. Unlike client-node's ListWatch (which stops for
 * good on any error but 410), it never gives up: every failure restarts it after a jittered exponential backoff
 * (0.8 s doubling to 30 s, like client-go's reflector), a 410 Gone relists at once, and a watch the server or the
 * client-side inactivity timer closed resumes from the last resourceVersion at once. Events may be replayed after a
 * restart; handlers must be level-triggered (they only enqueue keys).
 *
 * The API calls live behind `ListWatchSource` (see list-watch.ts for the real one), so this logic is tested with
 * fakes and fake timers.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeApiError, toKubeApiError } from './errors.ts';
import { InterruptibleSleep } from '../timing/interruptible-sleep.ts';
import { internStrings } from './string-pool.ts';

export interface ListResult<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  abort(): void;
}

export interface ListWatchSource<T> {
  /** A consistent list (all pages) and its resourceVersion. */
  list(): Promise<ListResult<T>>;
  /**
   * Start a watch from `resourceVersion`. `onEvent` receives each event; `onDone` is called exactly once when the
   * watch ends: null when the stream closed (server timeout, client inactivity timeout), else the error.
   */
  watch(resourceVersion: string, onEvent: (type: WatchEventType, object: unknown) => void, onDone: (error: unknown) => void): Promise<WatchHandle>;
}

export interface InformerHandlers<T> {
  add?(object: T): void;
  update?(object: T, previous: T): void;
  delete?(object: T): void;
}

export interface InformerOptions<T> {
  /** Names the informer in errors and logs, e.g. the kind. */
  readonly name: string;
  readonly source: ListWatchSource<T>;
  /** Applied to every object before it is cached (default: `dropManagedFields`); its short strings are then shared. */
  readonly transform?: (object: T) => T;
  /** Called for every failure, with the delay before the restart. */
  readonly onError?: (error: KubeApiError, restartInMs: number) => void;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Random source in [0, 1) for the jitter. */
  readonly random?: () => number;
  /** A watch shorter than this that delivered nothing counts as a failure, so a server closing at once is not hammered. */
  readonly minHealthyWatchMs?: number;
}

type Meta = KubernetesObject;

/** Cache key: "namespace/name", or "name" for a cluster-scoped object. */
export function cacheKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Whether a field manager is one of Bulkhead's: "bulkhead", or "bulkhead-policy-<name>" for a shared object. */
export function isBulkheadManager(manager: string | undefined): boolean {
  return manager === 'bulkhead' || (manager?.startsWith('bulkhead-policy-') ?? false);
}

/**
 * Drops metadata.managedFields except Bulkhead's own server-side apply entries, which `needsApply` uses to see
 * fields Bulkhead set before and no longer wants. Everything else in managedFields is bulk nobody reads.
 */
export function dropManagedFields<T>(object: T, keep: (manager: string | undefined) => boolean = isBulkheadManager): T {
  const metadata = (object as Meta).metadata;
  if (metadata?.managedFields === undefined) return object;
  const kept = metadata.managedFields.filter((entry) => keep(entry.manager) && entry.operation === 'Apply');
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...object, metadata: kept.length > 0 ? { ...rest, managedFields: kept } : rest } as T;
}

export class Informer<T extends Meta = Meta> {
  readonly name: string;
  readonly #source: ListWatchSource<T>;
  readonly #transform: (object: T) => T;
  readonly #onError: (error: KubeApiError, restartInMs: number) => void;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  readonly #minHealthyWatchMs: number;
  readonly #handlers: InformerHandlers<T>[] = [];
  #cache = new Map<string, T>();
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #running = false;
  #failures = 0;
  #watch: WatchHandle | undefined;
  readonly #pause = new InterruptibleSleep();
  #loop: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    this.name = options.name;
    this.#source = options.source;
    const transform = options.transform ?? ((o: T) => dropManagedFields(o));
    // The cache holds each object for as long as it lives: its repeated short strings are shared (string-pool.ts).
    this.#transform = (o) => internStrings(transform(o));
    this.#onError = options.onError ?? (() => {});
    this.#initialMs = options.backoff?.initialMs ?? 800;
    this.#maxMs = options.backoff?.maxMs ?? 30_000;
    this.#random = options.random ?? Math.random;
    this.#minHealthyWatchMs = options.minHealthyWatchMs ?? 1_000;
  }

  /** Register handlers; register before `start` to see the initial list as adds. */
  on(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stop watching and resolve once the loop has exited. The cache keeps its last state. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#watch?.abort();
    this.#pause.wake();
    await this.#loop;
  }

  /** True once the first list has filled the cache. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves when the cache has synced. */
  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#cache.get(cacheKey(namespace, name));
  }

  list(namespace?: string): T[] {
    const all = [...this.#cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  /** The resourceVersion the next watch resumes from ("" means relist). */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let error: unknown;
      try {
        if (this.#resourceVersion === '') await this.#relist();
        error = await this.#watchOnce();
      } catch (listError) {
        error = listError;
      }
      if (!this.#running) return;
      if (error === undefined) {
        this.#failures = 0;
        continue;
      }
      const failure = toKubeApiError(error, { verb: this.#resourceVersion === '' ? 'list' : 'watch', kind: this.name });
      if (failure.category === 'Gone') {
        // The resourceVersion is too old for the watch cache: relist now, without backoff.
        this.#resourceVersion = '';
        this.#onError(failure, 0);
        continue;
      }
      const delay = this.#nextDelay();
      this.#onError(failure, delay);
      await this.#pause.sleep(delay);
    }
  }

  #nextDelay(): number {
    const exponential = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#failures);
    this.#failures++;
    // Full jitter on the upper half: between half the delay and the whole delay.
    return Math.round(exponential * (0.5 + 0.5 * this.#random()));
  }


  async #relist(): Promise<void> {
    const result = await this.#source.list();
    const fresh = new Map<string, T>();
    for (const item of result.items) {
      const object = this.#transform(item);
      fresh.set(keyOf(object), object);
    }
    const previous = this.#cache;
    this.#cache = fresh;
    this.#resourceVersion = result.resourceVersion;
    for (const [key, object] of fresh) {
      const old = previous.get(key);
      if (old === undefined) this.#emit('add', object);
      else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) this.#emit('update', object, old);
    }
    for (const [key, old] of previous) {
      if (!fresh.has(key)) this.#emit('delete', old);
    }
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncWaiters.splice(0)) resolve();
    }
  }

  /** One watch; resolves to undefined when it ended cleanly, or the error that ended it. */
  async #watchOnce(): Promise<unknown> {
    const started = Date.now();
    let delivered = false;
    let eventError: unknown;
    const ended = new Promise<unknown>((resolve) => {
      const onEvent = (type: WatchEventType, object: unknown): void => {
        if (type === 'ERROR') {
          eventError = statusError(object, this.name);
          this.#watch?.abort();
          return;
        }
        delivered = true;
        this.#failures = 0;
        this.#handleEvent(type, object as T);
      };
      const onDone = (error: unknown): void => resolve(eventError ?? (isTimeout(error) ? null : error));
      this.#source.watch(this.#resourceVersion, onEvent, onDone).then(
        (handle) => {
          this.#watch = handle;
          if (!this.#running) handle.abort();
        },
        (error: unknown) => resolve(error),
      );
    });
    const error = await ended;
    this.#watch = undefined;
    if (error !== null && error !== undefined) return error;
    if (!delivered && Date.now() - started < this.#minHealthyWatchMs && this.#running) {
      return new Error(`watch closed after ${Date.now() - started} ms without an event`);
    }
    return undefined;
  }

  #handleEvent(type: WatchEventType, raw: T): void {
    const resourceVersion = raw.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (resourceVersion) this.#resourceVersion = resourceVersion;
      return;
    }
    const object = this.#transform(raw);
    const key = keyOf(object);
    const old = this.#cache.get(key);
    if (type === 'DELETED') {
      this.#cache.delete(key);
      this.#emit('delete', old ?? object);
    } else if (old === undefined) {
      this.#cache.set(key, object);
      this.#emit('add', object);
    } else if (old.metadata?.resourceVersion !== resourceVersion) {
      this.#cache.set(key, object);
      this.#emit('update', object, old);
    }
    if (resourceVersion) this.#resourceVersion = resourceVersion;
  }

  #emit(kind: 'add' | 'delete', object: T): void;
  #emit(kind: 'update', object: T, previous: T): void;
  #emit(kind: 'add' | 'update' | 'delete', object: T, previous?: T): void {
    for (const handlers of this.#handlers) {
      try {
        if (kind === 'add') handlers.add?.(object);
        else if (kind === 'update') handlers.update?.(object, previous as T);
        else handlers.delete?.(object);
      } catch (error) {
        // A handler bug must not stop the informer; it is reported like any other failure, without a restart.
        this.#onError(toKubeApiError(error, { verb: `handle ${kind}`, kind: this.name, name: object.metadata?.name }), 0);
      }
    }
  }
}

function keyOf(object: Meta): string {
  return cacheKey(object.metadata?.namespace, object.metadata?.name ?? '');
}

function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';
}

/** A watch ERROR event carries a metav1.Status; 410 Expired means relist. */
function statusError(object: unknown, kind: string): KubeApiError {
  const status = (object ?? {}) as { code?: unknown; reason?: unknown; message?: unknown };
  return new KubeApiError(
    { verb: 'watch', kind },
    {
      statusCode: typeof status.code === 'number' ? status.code : 500,
      reason: typeof status.reason === 'string' ? status.reason : '',
      serverMessage: typeof status.message === 'string' ? status.message : 'watch error event',
    },
  );
}
