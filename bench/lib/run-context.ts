/**
 * Everything one cluster run shares: its own control plane (the test harness's), Bulkhead installed as an admin
 * would, the benchmark's watches and counters, and the operator process under test (at most one at a time).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { makeKubeClients, type KubeClients } from '../../src/kube/client.ts';
import { ensureControlPlaneBinaries } from '../../test/support/control-plane/build.ts';
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane/control-plane.ts';
import { installBulkhead, operatorKubeConfig } from '../../test/support/install.ts';
import { probeToken } from './apiserver.ts';
import type { BenchOptions } from './args.ts';
import { snapshot, type Snapshot, type Sources } from './counters.ts';
import { rawClient, type RawClient } from './http.ts';
import { startOperatorProcess, type OperatorProcess } from './operator-process.ts';
import { LeaseRenewals, NetworkPolicyArrivals, PolicyReadiness } from './watchers.ts';

export interface RunContext {
  readonly size: number;
  readonly options: BenchOptions;
  readonly progress: (line: string) => void;
  readonly controlPlane: ControlPlane;
  readonly admin: k8s.KubeConfig;
  readonly adminClients: KubeClients;
  readonly adminRaw: RawClient;
  readonly readiness: PolicyReadiness;
  readonly networkPolicies: NetworkPolicyArrivals;
  readonly lease: LeaseRenewals;
  /** A token of the probe ServiceAccount: the "other client" whose latency is measured. */
  readonly probeToken: string;
  operator(): OperatorProcess | undefined;
  startOperator(name: string, resync?: string): Promise<OperatorProcess>;
  stopOperator(): Promise<number>;
  snapshot(): Promise<Snapshot>;
  /** The operator's ServiceAccount, for the baseline client. */
  operatorKubeConfig(): Promise<k8s.KubeConfig>;
  close(): Promise<void>;
}

export async function openRun(size: number, options: BenchOptions, progress: (line: string) => void): Promise<RunContext> {
  await ensureControlPlaneBinaries((line) => progress(`[control-plane] ${line}`));
  const controlPlane = await startControlPlane({ progress: (line) => progress(`[control-plane] ${line}`) });
  const closers: (() => Promise<void>)[] = [() => controlPlane.stop()];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) await closer().catch((error: Error) => progress(`cleanup failed: ${error.message}`));
  };
  try {
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(controlPlane.kubeconfigPath);
    const adminClients = makeKubeClients(admin);
    const adminRaw = await rawClient(admin);
    closers.push(async () => adminRaw.close());
    // Without the tamper-protection binding, as the drift tests install it: the repair measurement deletes an
    // envelope NetworkPolicy as the admin, which tamper protection exists to refuse.
    await installBulkhead(admin);
    const watchClients = { kubeConfig: admin, objects: adminClients.objects };
    const readiness = new PolicyReadiness(watchClients);
    const networkPolicies = new NetworkPolicyArrivals(watchClients);
    const lease = new LeaseRenewals(watchClients);
    for (const watcher of [readiness, networkPolicies, lease]) {
      await watcher.start();
      closers.push(() => watcher.stop());
    }
    const token = await probeToken(admin);
    const workDir = join(controlPlane.workDir, 'bench');
    mkdirSync(workDir, { recursive: true });

    let operator: OperatorProcess | undefined;
    const sources: Sources = { admin: adminRaw, pids: controlPlane.pids, operator: () => operator, lease };
    const stopOperator = async (): Promise<number> => {
      const running = operator;
      if (running === undefined) return 0;
      const start = performance.now();
      await running.stop();
      operator = undefined;
      return (performance.now() - start) / 1000;
    };
    closers.push(async () => void (await stopOperator()));
    progress(`control plane v${controlPlane.kubernetesVersion} up, Bulkhead installed (${controlPlane.workDir})`);
    return {
      size,
      options,
      progress,
      controlPlane,
      admin,
      adminClients,
      adminRaw,
      readiness,
      networkPolicies,
      lease,
      probeToken: token,
      operator: () => operator,
      async startOperator(name, resync) {
        if (operator !== undefined) throw new Error('an operator is already running');
        operator = await startOperatorProcess({
          workDir,
          kubeconfigPath: controlPlane.kubeconfigPath,
          admin,
          kind: options.operator,
          name,
          ...(resync === undefined ? {} : { resync }),
        });
        return operator;
      },
      stopOperator,
      snapshot: () => snapshot(sources),
      operatorKubeConfig: () => operatorKubeConfig(admin),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
