/**
 * What the envelope costs the API server when nothing happens to it: the API server's (and etcd's) CPU over a quiet
 * minute, and the latency of another client's requests, with N policies present or none.
 */
import { probeLatency, type ProbeLatency } from '../apiserver.ts';
import { between } from '../counters.ts';
import type { RunContext } from '../run-context.ts';

export interface ApiserverCost {
  readonly policies: number;
  readonly windowSeconds: number;
  /** CPU seconds per minute over the quiet window, by process (kube-apiserver, etcd, kube-controller-manager, operator). */
  readonly cpuPerMinute: Record<string, number>;
  /** Requests per minute the API server served in the window (every client). */
  readonly requestsPerMinute: number;
  readonly probe: ProbeLatency;
}

export const quietWindowMs = 60_000;

export async function measureApiserverCost(ctx: RunContext, policies: number): Promise<ApiserverCost> {
  ctx.progress(`API server cost with ${policies} policies: ${quietWindowMs / 1000} s quiet window, then ${ctx.options.probes} probes of each kind`);
  const before = await ctx.snapshot();
  await new Promise((resolve) => setTimeout(resolve, quietWindowMs));
  const window = between(before, await ctx.snapshot());
  const perMinute = (v: number): number => (v * 60) / window.seconds;
  const probe = await probeLatency(ctx.admin, ctx.probeToken, ctx.options.probes);
  return {
    policies,
    windowSeconds: window.seconds,
    cpuPerMinute: Object.fromEntries(Object.entries(window.cpuSeconds).map(([k, v]) => [k, perMinute(v)])),
    requestsPerMinute: perMinute(window.apiserverRequests),
    probe,
  };
}
