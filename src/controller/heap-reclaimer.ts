/**
 * Gives back to the system the heap pages a burst of work left behind, once the controller has been idle a while.
 *
 * Why: V8 keeps the pages a full collection frees committed, and resident, until a memory-reducing collection, which
 * its own memory reducer seldom starts in a process that never stops allocating (watch events, the Lease). After
 * converging 1,000 policies the operator held 124 MiB of heap pages for 62 MiB of live objects, and RSS stayed at
 * the burst's peak. A compacting, memory-reducing collection (gc's "last-resort" flavour) when the queues have been
 * quiet gives them back. It needs `--expose-gc`, which the image's ENTRYPOINT sets; without it nothing happens.
 *
 * It runs when the committed heap has grown well past what it was after the last reclaim (the start-up lists, a
 * resync pass, a wave of new policies), never twice within `minIntervalMs`, and never while a key is queued or being
 * reconciled: the pause (tens of milliseconds at 1,000 policies, half a second at 10,000) is paid when nothing waits
 * on the operator. One collection compacts only part of a large heap (at 10,000 policies: 741 -> 534 MB committed for
 * 346 live), so while a pass still gives back a twentieth, another follows at the next look, one pause at a time.
 */
import { getHeapStatistics } from 'node:v8';

export interface HeapFigures {
  /** Bytes V8 has committed for the heap (what stays resident). */
  readonly committed: number;
  /** Bytes of objects in it, garbage not yet collected included. */
  readonly used: number;
}

export interface HeapReclaimerOptions {
  /** Whether every queue is empty with nothing in flight. */
  readonly idle: () => boolean;
  /** The collector (`globalThis.gc`, defined with --expose-gc); undefined: the reclaimer never runs. */
  readonly gc: NodeJS.GCFunction | undefined;
  readonly heap?: () => HeapFigures;
  readonly now?: () => number;
  /** How often idleness is looked at (default 5 s). */
  readonly checkEveryMs?: number;
  /** How long the queues must have been idle (default 10 s). */
  readonly quietMs?: number;
  /** The least time between two reclaims (default 60 s). */
  readonly minIntervalMs?: number;
  /** Called after each reclaim with the heap before and after it, and how long it took. */
  readonly reclaimed?: (before: HeapFigures, after: HeapFigures, ms: number) => void;
}

const mib = 1024 * 1024;

/**
 * Whether the committed heap grew enough since the last reclaim (`baseline`, its committed size after it) to be worth
 * a compacting collection: by a quarter, and at least 16 MiB. Before the first reclaim, always.
 */
export function worthReclaiming(heap: HeapFigures, baseline: number | undefined): boolean {
  if (baseline === undefined) return true;
  return heap.committed - baseline >= Math.max(16 * mib, baseline / 4);
}

export const v8Heap = (): HeapFigures => {
  const stats = getHeapStatistics();
  return { committed: stats.total_heap_size, used: stats.used_heap_size };
};

export class HeapReclaimer {
  readonly #options: HeapReclaimerOptions;
  readonly #now: () => number;
  readonly #heap: () => HeapFigures;
  #idleSince: number | undefined;
  #lastReclaim: number | undefined;
  #baseline: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The last pass still gave back enough that another is worth it. */
  #continuing = false;

  constructor(options: HeapReclaimerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#heap = options.heap ?? v8Heap;
  }

  /** Whether the process can reclaim at all (started with --expose-gc). */
  get available(): boolean {
    return this.#options.gc !== undefined;
  }

  start(): void {
    if (!this.available || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.check(), this.#options.checkEveryMs ?? 5_000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One look: reclaims when idle for long enough, not too soon after the last time, and the heap grew. */
  check(): void {
    const gc = this.#options.gc;
    if (gc === undefined) return;
    const now = this.#now();
    if (!this.#options.idle()) {
      this.#idleSince = undefined;
      this.#continuing = false;
      return;
    }
    this.#idleSince ??= now;
    if (now - this.#idleSince < (this.#options.quietMs ?? 10_000)) return;
    const before = this.#heap();
    if (!this.#continuing) {
      if (this.#lastReclaim !== undefined && now - this.#lastReclaim < (this.#options.minIntervalMs ?? 60_000)) return;
      if (!worthReclaiming(before, this.#baseline)) return;
    }
    const started = performance.now();
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    const after = this.#heap();
    this.#lastReclaim = now;
    this.#baseline = after.committed;
    this.#continuing = after.committed < before.committed * 0.95;
    this.#options.reclaimed?.(before, after, performance.now() - started);
  }
}
