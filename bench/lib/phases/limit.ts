/** The limit: the simplest client writes the same N envelopes (see baseline.ts); the operator is stopped by then. */
import { controllerCommand } from '../../../src/cli/controller.ts';
import { writeBaseline, type BaselineResult } from '../baseline.ts';
import { between, type WindowFigures } from '../counters.ts';
import { renderedEnvelopes } from '../policies.ts';
import type { RunContext } from '../run-context.ts';

export interface LimitResult extends BaselineResult {
  readonly concurrency: number;
  readonly window: WindowFigures;
}

/** The operator's default --concurrency, read from its help so the baseline follows it. */
export function operatorDefaultConcurrency(): number {
  const match = /--concurrency N\s+.*\(default (\d+)\)/.exec(controllerCommand.help);
  if (match === null) throw new Error('cannot find the default --concurrency in `bulkhead controller --help`');
  return Number(match[1]);
}

export async function measureLimit(ctx: RunContext, names: readonly string[]): Promise<LimitResult> {
  const concurrency = operatorDefaultConcurrency();
  const envelopes = renderedEnvelopes(names);
  ctx.progress(`the limit: server-side apply of the same ${names.length} envelopes, ${concurrency} policies at a time, as the operator's ServiceAccount`);
  const kubeConfig = await ctx.operatorKubeConfig();
  const before = await ctx.snapshot();
  let lastLine = performance.now();
  const result = await writeBaseline(kubeConfig, envelopes, concurrency, 'bulkhead-bench-baseline', (done) => {
    if (performance.now() - lastLine < 10_000) return;
    lastLine = performance.now();
    ctx.progress(`  ${Math.round((lastLine - before.at) / 1000)} s: ${done}/${names.length} envelopes written`);
  });
  return { ...result, concurrency, window: between(before, await ctx.snapshot()) };
}
