/**
 * Convergence: N policies created at once (as fast as the admin can create them), timed until every one is Ready;
 * then, until the operator stops writing (the isolation audit's first pass over new policies may still change a
 * condition), so that the writes counted are everything a new policy costs.
 */
import * as k8s from '@kubernetes/client-node';
import { between, type WindowFigures } from '../counters.ts';
import { benchSpec } from '../policies.ts';
import type { RunContext } from '../run-context.ts';

export interface ConvergenceResult {
  readonly policies: number;
  /** Time until every policy was Ready, from the first create. */
  readonly seconds: number;
  /** Of which the creates themselves took. */
  readonly createSeconds: number;
  readonly ready: number;
  readonly converged: boolean;
  readonly untilReady: WindowFigures;
  /** From the first create until the operator made no write for `quietSeconds`. */
  readonly untilSettled: WindowFigures;
  readonly quietSeconds: number;
  /** Events the operator recorded about these policies, by reason. */
  readonly eventsByReason: Record<string, number>;
}

const createConcurrency = 16;
const quietMs = 20_000;
const settleLimitMs = 300_000;

/** Creates `names` with `createConcurrency` requests in flight. */
export async function createPolicies(ctx: RunContext, names: readonly string[], specOf: (i: number) => Record<string, unknown> = benchSpec): Promise<void> {
  const api = ctx.adminClients.customObjects;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < names.length; i = next++) {
      await api.createClusterCustomObject({
        group: 'bulkhead.dev',
        version: 'v1alpha1',
        plural: 'agentpolicies',
        body: { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name: names[i] }, spec: specOf(i) },
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(createConcurrency, names.length) }, worker));
}

/** Operator writes other than its Lease renewals, so far. */
async function reconcileWrites(ctx: RunContext): Promise<number> {
  const s = await ctx.snapshot();
  let writes = 0;
  for (const [method, count] of s.operatorByMethod) if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) writes += count;
  return writes - s.leaseWrites;
}

export async function countEvents(ctx: RunContext, names: ReadonlySet<string>): Promise<Record<string, number>> {
  const byReason: Record<string, number> = {};
  let token: string | undefined;
  do {
    const page: k8s.CoreV1EventList = await ctx.adminClients.core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.kind=AgentPolicy',
      limit: 500,
      ...(token === undefined ? {} : { _continue: token }),
    });
    for (const event of page.items) {
      if (!names.has(event.involvedObject.name ?? '')) continue;
      const reason = event.reason ?? '';
      byReason[reason] = (byReason[reason] ?? 0) + (event.count ?? 1);
    }
    token = page.metadata?._continue;
  } while (token);
  return byReason;
}

export async function measureConvergence(ctx: RunContext, names: readonly string[]): Promise<ConvergenceResult> {
  const deadlineMs = Math.max(600_000, names.length * 300);
  const before = await ctx.snapshot();
  const start = performance.now();
  ctx.progress(`creating ${names.length} policies (${createConcurrency} at a time), waiting for Ready (limit ${Math.round(deadlineMs / 1000)} s)`);
  const creating = createPolicies(ctx, names).then(() => (performance.now() - start) / 1000);
  let createSeconds: number | undefined;
  void creating.then((s) => (createSeconds = s));
  let ready = 0;
  let lastLine = start;
  while (performance.now() - start < deadlineMs) {
    ready = ctx.readiness.readyCount(names);
    if (ready === names.length && createSeconds !== undefined) break;
    if (performance.now() - lastLine >= 10_000) {
      lastLine = performance.now();
      const s = await ctx.snapshot();
      const cpu = s.cpu;
      ctx.progress(
        `  ${Math.round((lastLine - start) / 1000)} s: ${ready}/${names.length} Ready; operator CPU ${(cpu['operator'] ?? 0).toFixed(0)} s, kube-apiserver ${(cpu['kube-apiserver'] ?? 0).toFixed(0)} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await creating;
  const readyAt = Math.max(...names.map((n) => ctx.readiness.readyAt(n) ?? Number.NaN));
  const converged = ready === names.length;
  const untilReady = between(before, { ...(await ctx.snapshot()), at: converged ? readyAt : performance.now() });
  const seconds = ((converged ? readyAt : performance.now()) - start) / 1000;
  ctx.progress(`  ${converged ? 'all Ready' : `NOT converged: ${ready}/${names.length} Ready`} after ${seconds.toFixed(1)} s; waiting for the operator to stop writing`);

  let last = await reconcileWrites(ctx);
  let quietSince = performance.now();
  const settleStart = performance.now();
  while (performance.now() - quietSince < quietMs && performance.now() - settleStart < settleLimitMs) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const now = await reconcileWrites(ctx);
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    }
  }
  const untilSettled = between(before, { ...(await ctx.snapshot()), at: quietSince });
  return {
    policies: names.length,
    seconds,
    createSeconds: createSeconds ?? Number.NaN,
    ready,
    converged,
    untilReady,
    untilSettled,
    quietSeconds: quietMs / 1000,
    eventsByReason: await countEvents(ctx, new Set(names)),
  };
}
