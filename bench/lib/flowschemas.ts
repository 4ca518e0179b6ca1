/**
 * What per-policy FlowSchemas cost every other client. The API server classifies each request by walking the
 * FlowSchemas in precedence order until one matches; Bulkhead's sit at precedence 1000, before `service-accounts`
 * (9000) and `global-default` (9900), so every workload and user request walks all of them. Measured on a control
 * plane of its own: the latency (and the API server's CPU per request) of a plain ServiceAccount's requests
 * without and with N FlowSchemas shaped exactly like the operator's, three times over, so that the machine's
 * drifting load shows as the spread between repetitions.
 */
import * as k8s from '@kubernetes/client-node';
import { managedByLabel, managedByValue } from '../../src/api/v1alpha1/well-known.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { desiredState } from '../../src/desired/desired-state.ts';
import { serverSideApply, type ApplyObject } from '../../src/kube/apply.ts';
import { makeKubeClients } from '../../src/kube/client.ts';
import { ensureControlPlaneBinaries } from '../../test/support/control-plane/build.ts';
import { startControlPlane } from '../../test/support/control-plane/control-plane.ts';
import { installBulkhead } from '../../test/support/install.ts';
import { probeLatency, probeToken, type ProbeLatency } from './apiserver.ts';
import { validatedBenchPolicy } from './policies.ts';
import { processCpuSeconds } from './proc.ts';

export interface FlowSchemaResult {
  readonly flowSchemas: number;
  readonly probesPerRun: number;
  readonly without: ProbeLatency[];
  readonly with: ProbeLatency[];
  readonly cpuMsPerRequest: { readonly without: number[]; readonly with: number[] };
}

const settleMs = 20_000;

export async function measureFlowSchemas(count: number, probes: number, progress: (line: string) => void): Promise<FlowSchemaResult> {
  const say = (line: string): void => progress(`[flowschemas] ${line}`);
  await ensureControlPlaneBinaries(say);
  const controlPlane = await startControlPlane({ progress: say });
  try {
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(controlPlane.kubeconfigPath);
    await installBulkhead(admin);
    const clients = makeKubeClients(admin);
    const flowcontrol = admin.makeApiClient(k8s.FlowcontrolApiserverV1Api);
    const token = await probeToken(admin);
    const apiserverPid = controlPlane.pids['kube-apiserver'] ?? 0;
    const schemas = Array.from({ length: count }, (_, i) => {
      const policy = validatedBenchPolicy(`fs-${i}`, 0); // the typical sample: rate limit on
      return desiredState(policy, defaultOperatorConfig, { offline: true }).find((o) => o.kind === 'FlowSchema') as unknown as ApplyObject;
    });
    const selector = `${managedByLabel}=${managedByValue}`;
    const countApplied = async (): Promise<number> =>
      (await flowcontrol.listFlowSchema({ labelSelector: selector })).items.filter((f) => (f.status?.conditions ?? []).length > 0).length;

    const result: FlowSchemaResult = { flowSchemas: count, probesPerRun: probes, without: [], with: [], cpuMsPerRequest: { without: [], with: [] } };
    const measure = async (into: 'without' | 'with'): Promise<void> => {
      const cpu = processCpuSeconds(apiserverPid);
      const latency = await probeLatency(admin, token, probes);
      // 3 timed requests and one untimed delete per probe, plus the warm-up.
      result.cpuMsPerRequest[into].push(((processCpuSeconds(apiserverPid) - cpu) * 1000) / (probes * 4 + 1));
      result[into].push(latency);
      say(`  ${into} ${count} FlowSchemas: GET p50 ${latency.get.p50.toFixed(2)} ms, LIST p50 ${latency.list.p50.toFixed(2)} ms, CREATE p50 ${latency.create.p50.toFixed(2)} ms`);
    };
    for (let round = 0; round < 3; round++) {
      await measure('without');
      say(`creating ${count} FlowSchemas like the operator's`);
      for (const schema of schemas) await serverSideApply(clients.objects, schema, { fieldManager: 'bulkhead-bench' });
      // The API server's priority-and-fairness controller marks each one it has taken in (its Dangling condition).
      const deadline = Date.now() + 300_000;
      while ((await countApplied()) < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1000));
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      await measure('with');
      say(`deleting them`);
      await flowcontrol.deleteCollectionFlowSchema({ labelSelector: selector });
      while ((await flowcontrol.listFlowSchema({ labelSelector: selector })).items.length > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
      await new Promise((resolve) => setTimeout(resolve, settleMs));
    }
    return result;
  } finally {
    await controlPlane.stop();
  }
}
