/**
 * Leader election on a Lease, after client-go's leaderelection package: acquire when the lease is free or its holder
 * has not renewed within leaseDuration (measured on our own clock from when we last saw the record change, so clock
 * skew between pods does not matter), renew every retryPeriod, give up leadership when no renewal succeeded within
 * renewDeadline, and release on stop (holder emptied, duration 1 s) so a successor need not wait out the lease.
 * The Lease API sits behind `LeaseStore` (see kube/lease-store.ts); timing is tested with fake timers.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { InterruptibleSleep } from '../timing/interruptible-sleep.ts';

export interface LeaseRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** Milliseconds since the epoch. */
  readonly acquireTime: number;
  readonly renewTime: number;
  readonly leaseTransitions: number;
}

export interface StoredLease extends LeaseRecord {
  /** Optimistic concurrency token; an update with a stale one fails with `LeaseConflictError`. */
  readonly resourceVersion: string;
}

export class LeaseConflictError extends Error {
  override readonly name = 'LeaseConflictError';
}

/** Each call takes an optional signal: a renewal given up at its deadline is aborted, so it cannot land later. */
export interface LeaseStore {
  /** Undefined when the lease does not exist. */
  get(signal?: AbortSignal): Promise<StoredLease | undefined>;
  /** Throws LeaseConflictError when it already exists. */
  create(record: LeaseRecord, signal?: AbortSignal): Promise<StoredLease>;
  /** Throws LeaseConflictError when `resourceVersion` is stale. */
  update(record: LeaseRecord, resourceVersion: string, signal?: AbortSignal): Promise<StoredLease>;
}

export interface LeaderElectionOptions {
  readonly store: LeaseStore;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  /** Called once when leadership ends: lost (renewal failed) or released on stop. */
  readonly onStoppedLeading: (reason: 'lost' | 'released') => void;
  /** Every failed attempt (store errors; conflicts are normal contention and not reported). */
  readonly onError?: (error: unknown) => void;
  /** Random source in [0, 1) for retry jitter. */
  readonly random?: () => number;
}

/** The pod name (HOSTNAME in a pod) plus a random suffix, so a restarted container never reuses an identity. */
export function leaderIdentity(podName: string = process.env.POD_NAME ?? hostname()): string {
  return `${podName}_${randomBytes(4).toString('hex')}`;
}

export class LeaderElector {
  readonly identity: string;
  readonly #store: LeaseStore;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #options: LeaderElectionOptions;
  readonly #random: () => number;
  #observed: { key: string; at: number } | undefined;
  #leading = false;
  #stopped = false;
  readonly #pause = new InterruptibleSleep();
  #loop: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.identity = options.identity;
    this.#store = options.store;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.#random = options.random ?? Math.random;
    this.#options = options;
    if (!(this.#leaseDurationMs > this.#renewDeadlineMs && this.#renewDeadlineMs > this.#retryPeriodMs * 1.2)) {
      throw new RangeError('leader election needs leaseDuration > renewDeadline > 1.2 * retryPeriod');
    }
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Start campaigning; resolves when leadership was lost or the elector stopped. */
  run(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#loop;
  }

  /** Stop campaigning; when leading, release the lease and call onStoppedLeading('released'). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#pause.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    // Acquire: retry every retryPeriod with up to 20% jitter, as client-go's JitterUntil.
    while (!this.#stopped) {
      if (await this.#tryAcquireOrRenew()) break;
      await this.#pause.sleep(this.#retryPeriodMs * (1 + 0.2 * this.#random()));
    }
    if (this.#stopped) return;
    this.#leading = true;
    this.#options.onStartedLeading();
    let lastRenew = Date.now();
    while (!this.#stopped) {
      await this.#pause.sleep(this.#retryPeriodMs);
      if (this.#stopped) break;
      const remaining = this.#renewDeadlineMs - (Date.now() - lastRenew);
      if (remaining > 0 && (await this.#withDeadline((signal) => this.#tryAcquireOrRenew(signal), remaining))) {
        lastRenew = Date.now();
        continue;
      }
      if (Date.now() - lastRenew >= this.#renewDeadlineMs) {
        this.#leading = false;
        this.#options.onStoppedLeading('lost');
        return;
      }
    }
    await this.#release();
    this.#leading = false;
    this.#options.onStoppedLeading('released');
  }

  /** One attempt; true when we hold the lease afterwards. */
  async #tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const now = Date.now();
    const mine: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    try {
      const current = await this.#store.get(signal);
      if (current === undefined) {
        await this.#store.create(mine, signal);
        return true;
      }
      const key = `${current.holderIdentity}|${current.renewTime}|${current.resourceVersion}`;
      if (this.#observed?.key !== key) this.#observed = { key, at: now };
      const heldByOther = current.holderIdentity !== '' && current.holderIdentity !== this.identity;
      if (heldByOther && this.#observed.at + current.leaseDurationSeconds * 1000 > now) return false;
      const record: LeaseRecord =
        current.holderIdentity === this.identity
          ? { ...mine, acquireTime: current.acquireTime, leaseTransitions: current.leaseTransitions }
          : { ...mine, leaseTransitions: current.leaseTransitions + 1 };
      const stored = await this.#store.update(record, current.resourceVersion, signal);
      this.#observed = { key: `${stored.holderIdentity}|${stored.renewTime}|${stored.resourceVersion}`, at: now };
      return true;
    } catch (error) {
      if (!(error instanceof LeaseConflictError)) this.#options.onError?.(error);
      return false;
    }
  }

  async #release(): Promise<void> {
    try {
      const current = await this.#store.get();
      if (current === undefined || current.holderIdentity !== this.identity) return;
      const now = Date.now();
      await this.#store.update({ ...current, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now }, current.resourceVersion);
    } catch (error) {
      // Not fatal: the successor waits out the lease instead.
      this.#options.onError?.(error);
    }
  }

  /** The attempt's requests are aborted at the deadline, so a renewal given up on cannot still land. */
  #withDeadline(attempt: (signal: AbortSignal) => Promise<boolean>, ms: number): Promise<boolean> {
    const deadline = new AbortController();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        deadline.abort(new Error(`lease renewal exceeded its ${ms} ms deadline`));
        resolve(false);
      }, ms);
      attempt(deadline.signal).then(
        (ok) => {
          clearTimeout(timer);
          resolve(ok);
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    });
  }

}
