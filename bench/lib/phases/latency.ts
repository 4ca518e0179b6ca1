/**
 * Latency with N policies present, one sample at a time so each measures the operator's response, not a queue:
 * create-to-Ready of a new policy, and repair of a deleted envelope NetworkPolicy (from the delete being sent until
 * the benchmark's watch sees the object again).
 */
import { benchNamespace, benchSpec } from '../policies.ts';
import type { RunContext } from '../run-context.ts';
import { summarize, type Summary } from '../stats.ts';
import { createPolicies } from './convergence.ts';

export interface LatencyResult {
  readonly present: number;
  readonly createToReadyMs: Summary;
  readonly repairMs: Summary;
}

const sampleTimeoutMs = 120_000;
/** Between samples, so the previous one's trailing work (an Event, a status write) is not in the next one's time. */
const pauseMs = 250;
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, pauseMs));

export async function measureLatency(ctx: RunContext, present: readonly string[], samples: number): Promise<LatencyResult> {
  ctx.progress(`latency: ${samples} policies created one at a time with ${present.length} present`);
  const createToReady: number[] = [];
  for (let i = 0; i < samples; i++) {
    const name = `latency-${i}`;
    const start = performance.now();
    await createPolicies(ctx, [name], () => benchSpec(i));
    const readyAt = await ctx.readiness.waitReady(name, sampleTimeoutMs);
    createToReady.push(readyAt - start);
    await pause();
  }

  ctx.progress(`latency: ${samples} envelope NetworkPolicies deleted one at a time, waiting for their repair`);
  const repair: number[] = [];
  const networking = ctx.adminClients.objects;
  // Spread over the policies present, deterministically: every k-th one.
  const step = Math.max(1, Math.floor(present.length / samples));
  for (let i = 0; i < samples; i++) {
    const namespace = benchNamespace(present[(i * step) % present.length] as string);
    const name = 'bulkhead-default-deny';
    if (!ctx.networkPolicies.exists(namespace, name)) throw new Error(`NetworkPolicy ${namespace}/${name} is not there to delete`);
    const start = performance.now();
    const repaired = ctx.networkPolicies.nextAdded(namespace, name, sampleTimeoutMs);
    await networking.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace } });
    repair.push((await repaired) - start);
    await pause();
  }
  return { present: present.length, createToReadyMs: summarize(createToReady), repairMs: summarize(repair) };
}
