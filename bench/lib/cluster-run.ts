/**
 * One cluster run of `npm run bench` for one size N, phases in this order (each optional but convergence):
 *   operator started (0 policies): its idle memory; the API server's quiet cost with none
 *   convergence of N policies created at once; the operator's memory; the API server's quiet cost with N present
 *   latency (create-to-Ready, repair) with N present
 *   restart with a short resync; three resync periods at rest; memory again
 *   the operator stopped; the limit (the simplest client writes the same envelopes)
 */
import { loadAverage } from './proc.ts';
import type { BenchOptions } from './args.ts';
import { operatorRuntime, type ImageRuntime, type OperatorMemory } from './operator-process.ts';
import { measureApiserverCost, type ApiserverCost } from './phases/apiserver-cost.ts';
import { measureConvergence, type ConvergenceResult } from './phases/convergence.ts';
import { measureLatency, type LatencyResult } from './phases/latency.ts';
import { measureLimit, type LimitResult } from './phases/limit.ts';
import { measureRest, measureRestart, type RestartResult, type RestResult } from './phases/rest.ts';
import { policyNames, renderedEnvelopes } from './policies.ts';
import { openRun } from './run-context.ts';

export interface ClusterResult {
  readonly size: number;
  readonly startedAt: string;
  readonly kubernetesVersion: string;
  readonly operatorRuns: 'bundle' | 'source';
  /**
   * What an investigation added to the image's runtime: BENCH_OPERATOR_ENV and BENCH_OPERATOR_NODE_FLAGS, "plain"
   * for BENCH_OPERATOR_PLAIN=1; "" for none (the run describes what ships).
   */
  readonly operatorNodeFlags: string;
  /** The Node flags and environment the operator ran with beyond the benchmark's own (the image's, unless plain). */
  readonly operatorRuntime: ImageRuntime;
  /** Envelope objects of the N policies (each shared RuntimeClass once), and per policy. */
  readonly envelopeObjects: number;
  readonly objectsPerPolicy: number;
  /** 1-minute load average of the machine at the start and the end: it is shared. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly idleMemory?: OperatorMemory;
  readonly apiserverNone?: ApiserverCost;
  readonly convergence?: ConvergenceResult;
  readonly memory?: OperatorMemory;
  readonly apiserverPresent?: ApiserverCost;
  readonly latency?: LatencyResult;
  readonly restart?: RestartResult;
  readonly rest?: RestResult;
  readonly limit?: LimitResult & { readonly efficiency: number };
  readonly seconds: number;
}

export async function runCluster(size: number, options: BenchOptions, progress: (line: string) => void): Promise<ClusterResult> {
  const began = performance.now();
  const startLoad = loadAverage();
  const say = (line: string): void => progress(`[${size}] ${line}`);
  const names = policyNames('bench', size);
  const envelopes = renderedEnvelopes(names);
  const envelopeObjects = envelopes.shared.length + envelopes.perPolicy.reduce((n, p) => n + p.length, 0);
  const ctx = await openRun(size, options, say);
  const has = (phase: Parameters<typeof options.phases.has>[0]): boolean => options.phases.has(phase);
  try {
    const result: { -readonly [K in keyof ClusterResult]?: ClusterResult[K] } = {
      size,
      startedAt: new Date().toISOString(),
      kubernetesVersion: ctx.controlPlane.kubernetesVersion,
      operatorRuns: options.operator,
      operatorNodeFlags: [
        process.env['BENCH_OPERATOR_PLAIN'] === '1' ? 'plain' : '',
        process.env['BENCH_OPERATOR_ENV'] ?? '',
        process.env['BENCH_OPERATOR_NODE_FLAGS'] ?? '',
      ]
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .join(' '),
      operatorRuntime: operatorRuntime(),
      envelopeObjects,
      objectsPerPolicy: envelopeObjects / size,
    };
    const operator = await ctx.startOperator('operator');
    // Memory is measured once the operator has settled: after the idle reclaim that follows its start-up, then the
    // one that follows convergence (when the image lets it reclaim; see heap-reclaimer.ts).
    if (has('memory')) result.idleMemory = await operator.memory({ afterReclaimBeyond: 0 });
    if (has('apiserver')) result.apiserverNone = await measureApiserverCost(ctx, 0);

    // Counted before: the reclaim that follows convergence can come while the convergence phase waits for writes to stop.
    const reclaimsBefore = has('memory') ? await operator.reclaims() : 0;
    result.convergence = await measureConvergence(ctx, names);
    if (has('memory')) result.memory = await operator.memory({ afterReclaimBeyond: reclaimsBefore });
    if (has('apiserver')) result.apiserverPresent = await measureApiserverCost(ctx, size);
    let present = size;
    if (has('latency')) {
      result.latency = await measureLatency(ctx, names, options.samples);
      present += options.samples;
    }
    if (has('restart') || has('rest')) {
      result.restart = await measureRestart(ctx, present);
      if (has('rest')) result.rest = await measureRest(ctx);
    }
    await ctx.stopOperator();
    if (has('limit')) {
      const limit = await measureLimit(ctx, policyNames('baseline', size));
      result.limit = { ...limit, efficiency: limit.seconds / result.convergence.seconds };
    }
    result.loadAverage = { start: startLoad, end: loadAverage() };
    result.seconds = (performance.now() - began) / 1000;
    return result as ClusterResult;
  } finally {
    await ctx.close();
  }
}
