/**
 * Restart and rest. The operator is restarted with a short resync (the production default, 10 minutes, would make
 * "three resync periods" half an hour): the restart itself must write nothing (every object and status already
 * matches), and then, over three resync periods, the operator should make no write at all and few requests.
 * Lease renewals (leader election's heartbeat, every retry period) are counted apart.
 */
import { between, type WindowFigures } from '../counters.ts';
import type { OperatorMemory } from '../operator-process.ts';
import { sumOf } from '../prometheus.ts';
import type { RunContext } from '../run-context.ts';

export interface RestartResult {
  readonly stopSeconds: number;
  /** From the new process's start until it leads with synced caches (/readyz). */
  readonly readySeconds: number;
  /** From the start until its first pass reconciled every policy and the queue was empty. */
  readonly firstPassSeconds: number;
  readonly window: WindowFigures;
}

export interface RestResult {
  readonly resyncSeconds: number;
  readonly window: WindowFigures;
  /** Reconciles per policy in the window: how many resync passes it held. */
  readonly passes: number;
  readonly memory: OperatorMemory;
}

function resyncFlag(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export async function measureRestart(ctx: RunContext, policies: number): Promise<RestartResult> {
  ctx.progress(`restart: stopping the operator, starting it again with --resync ${resyncFlag(ctx.options.resyncMs)}`);
  const stopSeconds = await ctx.stopOperator();
  const before = await ctx.snapshot();
  const operator = await ctx.startOperator('operator-restarted', resyncFlag(ctx.options.resyncMs));
  const readySeconds = (performance.now() - before.at) / 1000;
  const limit = performance.now() + 600_000;
  for (;;) {
    const metrics = await operator.metrics();
    const reconciles = sumOf(metrics, 'controller_runtime_reconcile_total', (l) => l['controller'] === 'agentpolicy');
    const depth = sumOf(metrics, 'workqueue_depth', (l) => l['name'] === 'agentpolicy');
    if (reconciles >= policies && depth === 0) break;
    if (performance.now() > limit) throw new Error(`the restarted operator did not reconcile ${policies} policies in 10 minutes (${reconciles})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const window = between(before, await ctx.snapshot());
  return { stopSeconds, readySeconds, firstPassSeconds: window.seconds, window };
}

export async function measureRest(ctx: RunContext): Promise<RestResult> {
  const ms = 3 * ctx.options.resyncMs;
  ctx.progress(`at rest: ${ms / 1000} s (three resync periods)`);
  const before = await ctx.snapshot();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const window = between(before, await ctx.snapshot());
  const operator = ctx.operator();
  if (operator === undefined) throw new Error('no operator running');
  return { resyncSeconds: ctx.options.resyncMs / 1000, window, passes: window.reconciles / ctx.size, memory: await operator.memory() };
}
