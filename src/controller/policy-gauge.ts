/**
 * bulkhead_policies{ready}: how many AgentPolicies are Ready True, False or Unknown, from the policy cache. A recount
 * walks the whole cache, so a burst of events (10,000 status writes after a restart) is coalesced into one walk a
 * second instead of one walk per event.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

export class PolicyGauge {
  readonly #list: () => readonly KubernetesObject[];
  readonly #set: (counts: { True: number; False: number; Unknown: number }) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(list: () => readonly KubernetesObject[], set: (counts: { True: number; False: number; Unknown: number }) => void) {
    this.#list = list;
    this.#set = set;
  }

  /** Recount within a second. */
  schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.count();
    }, 1_000);
    this.#timer.unref();
  }

  count(): void {
    const counts = { True: 0, False: 0, Unknown: 0 };
    for (const policy of this.#list()) {
      const conditions = (policy as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready')?.status;
      counts[ready === 'True' || ready === 'False' ? ready : 'Unknown'] += 1;
    }
    this.#set(counts);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
