/**
 * The PriorityLevelConfiguration every agent's FlowSchema routes to: a small, queued share of the API server's
 * concurrency that lends nothing and borrows nothing, so a runaway agent throttles itself, not the cluster.
 */
import { installLabels } from './labels.ts';
export function agentPriorityLevel(name: string): object {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'PriorityLevelConfiguration',
    metadata: { name, labels: installLabels('rate-limit') },
    spec: {
      type: 'Limited',
      limited: {
        nominalConcurrencyShares: 10,
        lendablePercent: 0,
        borrowingLimitPercent: 0,
        limitResponse: { type: 'Queue', queuing: { queues: 16, handSize: 4, queueLengthLimit: 50 } },
      },
    },
  };
}
