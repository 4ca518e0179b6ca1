/**
 * Snapshots of every counter a phase reads (the operator's own request and reconcile counters, its Lease renewals,
 * the API server's request counters, process CPU of the control plane and the operator) and the difference of two
 * snapshots: what one window of time cost.
 */
import { apiserverRequestCounts, isMutatingKey, total, type RequestCounts } from './apiserver.ts';
import type { RawClient } from './http.ts';
import type { OperatorProcess } from './operator-process.ts';
import { difference, groupSums, mutatingMethods, sumOf } from './prometheus.ts';
import { processCpuSeconds } from './proc.ts';
import type { LeaseRenewals } from './watchers.ts';

export interface Snapshot {
  readonly at: number;
  /** rest_client_requests_total of the operator, by HTTP method. */
  readonly operatorByMethod: Map<string, number>;
  readonly reconciles: number;
  readonly leaseWrites: number;
  readonly apiserver: RequestCounts;
  readonly cpu: Readonly<Record<string, number>>;
}

export interface Sources {
  readonly admin: RawClient;
  readonly pids: Readonly<Record<string, number>>;
  readonly operator: () => OperatorProcess | undefined;
  readonly lease: LeaseRenewals;
}

export async function snapshot(sources: Sources): Promise<Snapshot> {
  const operator = sources.operator();
  const metrics = operator === undefined ? [] : await operator.metrics();
  const apiserver = await apiserverRequestCounts(sources.admin);
  const cpu: Record<string, number> = {};
  for (const [name, pid] of Object.entries(sources.pids)) cpu[name] = processCpuSeconds(pid);
  if (operator !== undefined) cpu['operator'] = operator.cpuSeconds();
  return {
    at: performance.now(),
    operatorByMethod: groupSums(metrics, 'rest_client_requests_total', (l) => l['method']),
    reconciles: sumOf(metrics, 'controller_runtime_reconcile_total', (l) => l['controller'] === 'agentpolicy'),
    leaseWrites: sources.lease.writes,
    apiserver,
    cpu,
  };
}

export interface WindowFigures {
  readonly seconds: number;
  /** Every request the operator made (its own counter; watches are not counted by it). */
  readonly operatorRequests: number;
  readonly operatorByMethod: Record<string, number>;
  /** POST, PUT, PATCH, DELETE by the operator, its Lease renewals included. */
  readonly operatorMutating: number;
  /** Renewals of the leader-election Lease seen by the benchmark's watch. */
  readonly leaseWrites: number;
  readonly reconciles: number;
  /** Every request the API server counted (every client: operator, controller manager, the benchmark). */
  readonly apiserverRequests: number;
  readonly apiserverMutating: number;
  /** Mutating requests by "VERB group/resource[/subresource]". */
  readonly apiserverMutatingByResource: Record<string, number>;
  /** Read requests (GET, LIST, WATCH) by the same key. */
  readonly apiserverReadsByResource: Record<string, number>;
  readonly cpuSeconds: Record<string, number>;
}

export function between(before: Snapshot, after: Snapshot): WindowFigures {
  const operator = difference(after.operatorByMethod, before.operatorByMethod);
  const apiserver = difference(after.apiserver, before.apiserver);
  const mutatingByResource: Record<string, number> = {};
  const readsByResource: Record<string, number> = {};
  for (const [key, value] of [...apiserver].sort((a, b) => b[1] - a[1])) {
    (isMutatingKey(key) ? mutatingByResource : readsByResource)[key] = value;
  }
  const cpu: Record<string, number> = {};
  for (const [name, seconds] of Object.entries(after.cpu)) cpu[name] = seconds - (before.cpu[name] ?? 0);
  return {
    seconds: (after.at - before.at) / 1000,
    operatorRequests: total(operator),
    operatorByMethod: Object.fromEntries(operator),
    operatorMutating: total(operator, (method) => mutatingMethods.has(method)),
    leaseWrites: after.leaseWrites - before.leaseWrites,
    reconciles: after.reconciles - before.reconciles,
    apiserverRequests: total(apiserver),
    apiserverMutating: total(apiserver, isMutatingKey),
    apiserverMutatingByResource: mutatingByResource,
    apiserverReadsByResource: readsByResource,
    cpuSeconds: cpu,
  };
}
