/**
 * Notices within seconds when an optional kind (SealedSecret, served only once the Sealed Secrets CRD is installed)
 * becomes served or stops being served, so the manager can start or stop that kind's informer and reconcile every
 * policy again, instead of waiting for the next full resync. Pure scheduling: the discovery request is behind
 * `ServedKindsPort` (src/kube/served-kinds.ts makes one small request per API group version, one today).
 */
import { InterruptibleSleep } from '../timing/interruptible-sleep.ts';

export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
}

export interface ServedKindsPort {
  /**
   * The subset of `kinds` (the same objects) the API server serves now. Throws when discovery itself failed: that
   * is not evidence that a kind went away, so nothing changes until a poll succeeds.
   */
  served<K extends KindRef>(kinds: readonly K[]): Promise<ReadonlySet<K>>;
}

export interface KindDiscoveryOptions<K extends KindRef> {
  readonly kinds: readonly K[];
  readonly port: ServedKindsPort;
  /** Time between the end of one poll and the start of the next (default 5 s). */
  readonly intervalMs?: number;
  /** The kind is served now (also at the first poll): start watching it. A throw retries at the next poll. */
  readonly onServed: (kind: K) => Promise<void>;
  /** The kind is no longer served: stop watching it. */
  readonly onUnserved: (kind: K) => Promise<void>;
  /** A poll failed; the next one runs after the interval. */
  readonly onError: (error: unknown) => void;
}

export const defaultKindDiscoveryMs = 5_000;

export class KindDiscovery<K extends KindRef> {
  readonly #options: KindDiscoveryOptions<K>;
  readonly #served = new Set<K>();
  readonly #pause = new InterruptibleSleep();
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(options: KindDiscoveryOptions<K>) {
    this.#options = options;
  }

  isServed(kind: K): boolean {
    return this.#served.has(kind);
  }

  /** One discovery round; resolves once every change it found has been handled. */
  async poll(): Promise<void> {
    const { kinds, port, onServed, onUnserved } = this.#options;
    const served = await port.served(kinds);
    for (const kind of kinds) {
      if (served.has(kind) && !this.#served.has(kind)) {
        await onServed(kind);
        this.#served.add(kind);
      } else if (!served.has(kind) && this.#served.has(kind)) {
        this.#served.delete(kind);
        await onUnserved(kind);
      }
    }
  }

  /**
   * Polls now, then every interval until `stop` (polls never overlap); resolves after the first poll, so the caller
   * knows which kinds are served before it waits for its caches. Nothing to poll without optional kinds.
   */
  async start(): Promise<void> {
    if (this.#running || this.#options.kinds.length === 0) return;
    this.#running = true;
    const first = this.#pollReportingErrors();
    this.#loop = first.then(() => this.#run());
    await first;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#pause.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const intervalMs = this.#options.intervalMs ?? defaultKindDiscoveryMs;
    while (this.#running) {
      await this.#pause.sleep(intervalMs);
      if (this.#running) await this.#pollReportingErrors();
    }
  }

  async #pollReportingErrors(): Promise<void> {
    try {
      await this.poll();
    } catch (error) {
      this.#options.onError(error);
    }
  }
}
