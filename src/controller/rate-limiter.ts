/**
 * Rate limiters for the work queue, after client-go's workqueue package: a per-key exponential backoff with jitter,
 * a global token bucket, and their combination (the larger delay wins), which is the controller default.
 * Pure and clock-injected: they compute delays, they never sleep.
 */

export interface RateLimiter {
  /** How long to wait before the key may be processed again; records one more failure for the key. */
  when(key: string): number;
  /** Forget the key's failure history (called on success). */
  forget(key: string): void;
  /** How many times the key has been rate limited since it was last forgotten. */
  retries(key: string): number;
}

export interface ExponentialBackoffOptions {
  /** First delay in milliseconds (default 5). */
  readonly baseMs?: number;
  /** Upper bound in milliseconds (default 300 000, five minutes). */
  readonly maxMs?: number;
  /**
   * Fraction of the delay that may be removed at random (default 0.1), so keys that failed together do not retry in
   * lockstep. The delay stays within [baseMs, maxMs].
   */
  readonly jitter?: number;
  /** Random source in [0, 1), injectable for tests. */
  readonly random?: () => number;
}

/** Per-key exponential backoff: base * 2^failures, capped, minus up to `jitter` of itself. */
export class ExponentialBackoffRateLimiter implements RateLimiter {
  readonly #failures = new Map<string, number>();
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #jitter: number;
  readonly #random: () => number;

  constructor(options: ExponentialBackoffOptions = {}) {
    this.#baseMs = options.baseMs ?? 5;
    this.#maxMs = options.maxMs ?? 300_000;
    this.#jitter = options.jitter ?? 0.1;
    this.#random = options.random ?? Math.random;
    if (this.#baseMs <= 0 || this.#maxMs < this.#baseMs) throw new RangeError('backoff needs 0 < baseMs <= maxMs');
    if (this.#jitter < 0 || this.#jitter >= 1) throw new RangeError('backoff jitter must be in [0, 1)');
  }

  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2^failures overflows to Infinity long after the cap; Math.min handles it.
    const exponential = Math.min(this.#maxMs, this.#baseMs * 2 ** failures);
    const jittered = exponential * (1 - this.#jitter * this.#random());
    return Math.max(this.#baseMs, Math.round(jittered));
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  retries(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  /** Sustained rate in tokens per second (default 10). */
  readonly qps?: number;
  /** Bucket size (default 100). */
  readonly burst?: number;
  /** Milliseconds clock, injectable for tests (default Date.now). */
  readonly now?: () => number;
}

/**
 * A global token bucket shared by every key: each call reserves one token and returns how long until that token
 * exists (tokens may go negative, as a reservation in Go's rate.Limiter). Keys are not tracked.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(options: TokenBucketOptions = {}) {
    this.#qps = options.qps ?? 10;
    this.#burst = options.burst ?? 100;
    this.#now = options.now ?? Date.now;
    if (this.#qps <= 0 || this.#burst < 1) throw new RangeError('token bucket needs qps > 0 and burst >= 1');
    this.#tokens = this.#burst;
    this.#last = this.#now();
  }

  when(_key: string): number {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#qps);
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 0;
    return Math.ceil((-this.#tokens / this.#qps) * 1000);
  }

  forget(_key: string): void {}

  retries(_key: string): number {
    return 0;
  }
}

/** The largest delay of several limiters; every limiter records the attempt. */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.#limiters = limiters;
  }

  when(key: string): number {
    return Math.max(...this.#limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  retries(key: string): number {
    return Math.max(...this.#limiters.map((l) => l.retries(key)));
  }
}

/** client-go's DefaultControllerRateLimiter: per-key 5 ms..5 min exponential (with jitter) and 10 qps, burst 100. */
export function defaultControllerRateLimiter(options: { random?: () => number; now?: () => number } = {}): RateLimiter {
  return new MaxOfRateLimiter(
    new ExponentialBackoffRateLimiter({ baseMs: 5, maxMs: 300_000, ...(options.random ? { random: options.random } : {}) }),
    new TokenBucketRateLimiter({ qps: 10, burst: 100, ...(options.now ? { now: options.now } : {}) }),
  );
}
