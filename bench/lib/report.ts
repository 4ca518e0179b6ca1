/**
 * Turns results into the figures of issue 8, each beside its target where the issue sets one for that size, as a
 * terminal table and as the Markdown tables of docs/benchmarks.md. Pure.
 */
import { apiGroupOf, resourceTable } from '../../src/envelope/resource-table.ts';
import type { ClusterResult } from './cluster-run.ts';
import type { FlowSchemaResult } from './flowschemas.ts';
import type { RenderRun } from './render.ts';
import { mib, perMinute } from './stats.ts';
import type { Cell } from './table.ts';

export type Row = readonly [figure: string, value: Cell, target: Cell, verdict: Cell];

/** The resources of an envelope (the operator's resource table), as apiserver_request_total names them. */
const envelopeResources: ReadonlySet<string> = new Set(
  resourceTable.map((r) => (apiGroupOf(r.apiVersion) === '' ? r.plural : `${apiGroupOf(r.apiVersion)}/${r.plural}`)),
);

const verdict = (ok: boolean | undefined): Cell => (ok === undefined ? undefined : ok ? 'met' : 'MISSED');

/** Writes by what they were for, per policy, from the API server's mutating counters of the convergence window. */
export function writesPerPolicy(result: ClusterResult): { envelope: number; finalizer: number; status: number; events: number; other: number; operator: number } | undefined {
  const c = result.convergence;
  if (c === undefined) return undefined;
  const byResource = c.untilSettled.apiserverMutatingByResource;
  const n = c.policies;
  let envelope = 0;
  let finalizer = 0;
  let status = 0;
  for (const [key, count] of Object.entries(byResource)) {
    const [verb, resource] = key.split(' ') as [string, string];
    if (resource === 'bulkhead.dev/agentpolicies/status' && verb !== 'POST') status += count;
    else if (resource === 'bulkhead.dev/agentpolicies' && verb !== 'POST' && verb !== 'DELETE') finalizer += count;
    // Only the operator writes envelope kinds with server-side apply, create or update in this window; status
    // subresources are other controllers' (the API server's priority-and-fairness controller applies FlowSchema
    // status). kube-controller-manager creates one ServiceAccount of its own (`default`) in each new namespace, one
    // per policy here: those creates are taken off below.
    else if ((verb === 'APPLY' || verb === 'PUT' || verb === 'POST') && !resource.endsWith('/status') && envelopeResources.has(resource)) envelope += count;
  }
  envelope -= Math.min(n, byResource['POST serviceaccounts'] ?? 0);
  const events = Object.values(c.eventsByReason).reduce((a, b) => a + b, 0);
  const operator = c.untilSettled.operatorMutating - c.untilSettled.leaseWrites;
  return {
    envelope: envelope / n,
    finalizer: finalizer / n,
    status: status / n,
    events: events / n,
    other: (operator - envelope - finalizer - status - events) / n,
    operator: operator / n,
  };
}

/** Writes only a reconcile makes (envelope kinds, AgentPolicies and their status, Events), from the API server. */
function reconcileWrites(byResource: Readonly<Record<string, number>>): number {
  let writes = 0;
  for (const [key, count] of Object.entries(byResource)) {
    const [verb, resource] = key.split(' ') as [string, string];
    const policyWrite = resource.startsWith('bulkhead.dev/agentpolicies') && verb !== 'POST' && verb !== 'DELETE';
    const envelopeWrite = envelopeResources.has(resource);
    if (policyWrite || envelopeWrite || resource === 'events' || resource === 'events.k8s.io/events') writes += count;
  }
  return writes;
}

export function clusterRows(r: ClusterResult): Row[] {
  const rows: Row[] = [];
  const n = r.size;
  const c = r.convergence;
  if (c !== undefined) {
    const limitS = n === 1000 ? 180 : n === 5000 ? 900 : undefined;
    rows.push([`convergence: ${c.ready}/${c.policies} Ready (s)`, c.seconds, limitS === undefined ? undefined : `< ${limitS}`, verdict(limitS === undefined ? undefined : c.converged && c.seconds < limitS)]);
    rows.push(['  of which creating the policies (s)', c.createSeconds, undefined, undefined]);
    rows.push(['  reconciles per policy', c.untilSettled.reconciles / n, undefined, undefined]);
    rows.push(['  operator requests per policy (all)', c.untilSettled.operatorRequests / n, undefined, undefined]);
    const w = writesPerPolicy(r);
    if (w !== undefined) {
      const bound = r.objectsPerPolicy + 1 + 1 + 2;
      rows.push(['  writes per policy (operator, Lease excluded)', w.operator, `<= ${bound.toFixed(1)}`, verdict(w.operator <= bound + 1e-9)]);
      rows.push([`    envelope objects (${r.objectsPerPolicy.toFixed(2)} per policy)`, w.envelope, undefined, undefined]);
      rows.push(['    finalizer', w.finalizer, '1', verdict(w.finalizer <= 1 + 1e-9)]);
      rows.push(['    status', w.status, '1', verdict(w.status <= 1 + 1e-9)]);
      rows.push(['    Events', w.events, '<= 2', verdict(w.events <= 2 + 1e-9)]);
      rows.push(['    other', w.other, undefined, undefined]);
    }
    rows.push(['  API server mutating requests, all clients', c.untilSettled.apiserverMutating, undefined, undefined]);
    rows.push(['  CPU s: operator / kube-apiserver / etcd', cpuTriple(c.untilReady.cpuSeconds), undefined, undefined]);
  }
  if (r.limit !== undefined) {
    rows.push([`limit: simplest client, same objects (s)`, r.limit.seconds, undefined, undefined]);
    const target = n === 1000 || n === 5000 ? '>= 0.8' : undefined;
    rows.push(['  efficiency (limit / operator)', r.limit.efficiency, target, verdict(target === undefined ? undefined : r.limit.efficiency >= 0.8)]);
  }
  if (r.restart !== undefined) {
    const w = r.restart.window;
    rows.push(['restart: ready (s) / first pass done (s)', `${r.restart.readySeconds.toFixed(1)} / ${r.restart.firstPassSeconds.toFixed(1)}`, undefined, undefined]);
    // From the API server's counters of what only a reconcile writes: the operator's own counter starts again with the
    // new process, while the Lease watch also saw the old one release its lease.
    const written = reconcileWrites(w.apiserverMutatingByResource);
    rows.push(['  writes in the restart, Lease excluded', written, '0', verdict(written === 0)]);
  }
  if (r.rest !== undefined) {
    const w = r.rest.window;
    const ms = w.seconds * 1000;
    const mutating = w.operatorMutating - w.leaseWrites;
    rows.push([`at rest (${w.seconds.toFixed(0)} s, resync ${r.rest.resyncSeconds} s, ${r.rest.passes.toFixed(1)} passes): writes, Lease excluded`, mutating, '0', verdict(mutating === 0)]);
    // Each renewal of the Lease is a GET and a PUT (as client-go's): both are leader election's, not the controller's.
    const excl = perMinute(w.operatorRequests - 2 * w.leaseWrites, ms);
    rows.push(['  requests per minute, Lease excluded', excl, n === 1000 ? '< 10' : undefined, verdict(n === 1000 ? excl < 10 : undefined)]);
    rows.push(['  Lease renewals per minute', perMinute(w.leaseWrites, ms), undefined, undefined]);
    rows.push(['  API server requests per minute, all clients', perMinute(w.apiserverRequests, ms), undefined, undefined]);
    rows.push(['  CPU s per minute: operator / kube-apiserver / etcd', cpuTriple(w.cpuSeconds, 60 / w.seconds), undefined, undefined]);
  }
  if (r.latency !== undefined) {
    const l = r.latency;
    const at1000 = n === 1000;
    rows.push([`latency with ${l.present} present: create-to-Ready p50 / p99 (ms)`, `${l.createToReadyMs.p50.toFixed(0)} / ${l.createToReadyMs.p99.toFixed(0)}`, at1000 ? 'p99 < 1000' : undefined, verdict(at1000 ? l.createToReadyMs.p99 < 1000 : undefined)]);
    rows.push([`  repair of a deleted NetworkPolicy p50 / p99 (ms)`, `${l.repairMs.p50.toFixed(0)} / ${l.repairMs.p99.toFixed(0)}`, at1000 ? 'p99 < 500' : undefined, verdict(at1000 ? l.repairMs.p99 < 500 : undefined)]);
  }
  const idle = r.idleMemory;
  const memory = r.memory;
  if (memory !== undefined) {
    const target = n === 1000 ? 150 : n === 10_000 ? 600 : undefined;
    const rss = mib(memory.rssAfterGc);
    rows.push([`memory after convergence: RSS after a full GC (MiB)`, rss, target === undefined ? undefined : `< ${target}`, verdict(target === undefined ? undefined : rss < target)]);
    rows.push(['  heap used after a full GC (MiB)', mib(memory.heapUsed), undefined, undefined]);
    rows.push(['  peak RSS (MiB)', mib(memory.peakRss), undefined, undefined]);
    const waited = memory.reclaimWaitSeconds;
    rows.push(['  measured after the idle reclaim, waited (s)', waited === undefined ? 'no reclaim' : waited.toFixed(1), undefined, undefined]);
    if (idle !== undefined) {
      rows.push(['  with 0 policies: RSS / heap (MiB)', `${mib(idle.rssAfterGc).toFixed(0)} / ${mib(idle.heapUsed).toFixed(0)}`, undefined, undefined]);
      rows.push(['  per 1,000 policies: RSS / heap (MiB)', `${((mib(memory.rssAfterGc - idle.rssAfterGc) * 1000) / n).toFixed(1)} / ${((mib(memory.heapUsed - idle.heapUsed) * 1000) / n).toFixed(1)}`, undefined, undefined]);
    }
  }
  if (r.rest !== undefined) rows.push(['  after restart and rest: RSS / heap (MiB)', `${mib(r.rest.memory.rssAfterGc).toFixed(0)} / ${mib(r.rest.memory.heapUsed).toFixed(0)}`, undefined, undefined]);
  const none = r.apiserverNone;
  const present = r.apiserverPresent;
  if (none !== undefined && present !== undefined) {
    rows.push([`API server, quiet minute: CPU s/min with 0 / ${n}`, `${(none.cpuPerMinute['kube-apiserver'] ?? 0).toFixed(2)} / ${(present.cpuPerMinute['kube-apiserver'] ?? 0).toFixed(2)}`, undefined, undefined]);
    rows.push([`  etcd CPU s/min with 0 / ${n}`, `${(none.cpuPerMinute['etcd'] ?? 0).toFixed(2)} / ${(present.cpuPerMinute['etcd'] ?? 0).toFixed(2)}`, undefined, undefined]);
    for (const kind of ['get', 'list', 'create'] as const) {
      rows.push([`  another client's ${kind.toUpperCase()} p50 / p99 (ms) with 0 -> ${n}`, `${none.probe[kind].p50.toFixed(1)} / ${none.probe[kind].p99.toFixed(1)} -> ${present.probe[kind].p50.toFixed(1)} / ${present.probe[kind].p99.toFixed(1)}`, undefined, undefined]);
    }
  }
  rows.push(['machine load average (1 min), start / end', `${r.loadAverage.start.toFixed(1)} / ${r.loadAverage.end.toFixed(1)}`, undefined, undefined]);
  return rows;
}

function cpuTriple(cpu: Readonly<Record<string, number>>, scale = 1): string {
  return ['operator', 'kube-apiserver', 'etcd'].map((k) => ((cpu[k] ?? 0) * scale).toFixed(1)).join(' / ');
}

export function renderRows(runs: readonly RenderRun[]): Row[] {
  return runs.map((run) => {
    const target = run.format === 'json' ? 10_000 : 5_000;
    const p = run.best;
    // Runs recorded before the load average was kept have none.
    const load = run.loadAverage === undefined ? '' : `; load ${run.loadAverage.start.toFixed(1)} / ${run.loadAverage.end.toFixed(1)}`;
    return [
      `render ${run.policies.toLocaleString('en-US')} policies, ${run.format.toUpperCase()} (read ${p.read.toFixed(2)} s, validate ${p.validate.toFixed(2)} s, render ${p.render.toFixed(2)} s${load})`,
      Math.round(run.policiesPerSecond),
      `>= ${target.toLocaleString('en-US')}/s`,
      verdict(run.policiesPerSecond >= target),
    ] as const;
  });
}

export function flowSchemaRows(r: FlowSchemaResult): Row[] {
  const rows: Row[] = [];
  for (const kind of ['get', 'list', 'create'] as const) {
    const fmt = (runs: FlowSchemaResult['without']): string => runs.map((p) => `${p[kind].p50.toFixed(2)}/${p[kind].p99.toFixed(2)}`).join(', ');
    rows.push([`${kind.toUpperCase()} p50/p99 ms: without | with ${r.flowSchemas} FlowSchemas`, `${fmt(r.without)} | ${fmt(r.with)}`, undefined, undefined]);
  }
  rows.push([`kube-apiserver CPU ms per probe request: without | with`, `${r.cpuMsPerRequest.without.map((v) => v.toFixed(2)).join(', ')} | ${r.cpuMsPerRequest.with.map((v) => v.toFixed(2)).join(', ')}`, undefined, undefined]);
  return rows;
}
