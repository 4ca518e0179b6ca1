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

/** Polls are the safety net: the optional kinds' CRDs are watched (controllers.ts), and their events call pollSoon. */
export const defaultKindDiscoveryMs = 300_000;
const quickPolls = 5;
const quickPollMs = 1_000;

export class KindDiscovery<K extends KindRef> {
  readonly #options: KindDiscoveryOptions<K>;
  readonly #served = new Set<K>();
  readonly #pause = new InterruptibleSleep();
  /** Quick polls left after `pollSoon`: discovery may lag the CRD event by a moment. */
  #quick = 0;
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

  /**
   * Something suggests a change (the kind's CRD was created, established or deleted): poll now, and again each
   * second a few times, since the API server's discovery can lag the CRD's own status by a moment.
   */
  pollSoon(): void {
    this.#quick = quickPolls;
    this.#pause.wake();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#pause.wake();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const intervalMs = this.#options.intervalMs ?? defaultKindDiscoveryMs;
    while (this.#running) {
      const quick = this.#quick > 0;
      if (quick) this.#quick -= 1;
      await this.#pause.sleep(quick ? quickPollMs : intervalMs);
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
