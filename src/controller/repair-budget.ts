/**
 * Drift repair without a hot loop: another writer that keeps changing an object Bulkhead owns (a controller that
 * reverts every repair at once) would otherwise make the two fight at the API server's speed. Each object may be
 * repaired `burst` times within `windowMs`; past that, the next repair waits, doubling up to `maxDelayMs`, and the
 * status says the object is contested (False, naming it), so the widening is never hidden while it lasts. Pure: the
 * clock is passed in.
 */
export interface RepairBudgetOptions {
  readonly burst?: number;
  readonly windowMs?: number;
  readonly maxDelayMs?: number;
}

export class RepairBudget {
  readonly #burst: number;
  readonly #windowMs: number;
  readonly #maxDelayMs: number;
  /** object key -> times of its recent repairs, oldest first. */
  readonly #repairs = new Map<string, number[]>();

  constructor(options: RepairBudgetOptions = {}) {
    this.#burst = options.burst ?? 5;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  /** 0 when the object may be repaired now, else how long to wait. */
  delayFor(key: string, now: number): number {
    const recent = this.#recent(key, now);
    if (recent.length < this.#burst) return 0;
    const over = recent.length - this.#burst;
    const wait = Math.min(this.#maxDelayMs, 1_000 * 2 ** over);
    const last = recent[recent.length - 1] ?? now;
    return Math.max(0, last + wait - now);
  }

  /** How many times the object was repaired within the window. */
  count(key: string, now: number): number {
    return this.#recent(key, now).length;
  }

  record(key: string, now: number): void {
    this.#repairs.set(key, [...this.#recent(key, now), now]);
  }

  #recent(key: string, now: number): number[] {
    const kept = (this.#repairs.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    if (kept.length === 0) this.#repairs.delete(key);
    else this.#repairs.set(key, kept);
    return kept;
  }
}
