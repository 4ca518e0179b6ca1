/**
 * Node test runner global setup for the integration layer: one control plane per run, shared by every test file.
 * Test files find it through BULKHEAD_TEST_KUBECONFIG (see cluster.ts). If the variable is already set, that cluster
 * is used as it is and nothing is started (point the tests at `npm run cluster:up` while iterating).
 */
import { ensureControlPlaneBinaries } from './control-plane/build.ts';
import { startControlPlane, type ControlPlane } from './control-plane/control-plane.ts';

let controlPlane: ControlPlane | undefined;

export async function globalSetup(): Promise<void> {
  const progress = (line: string): void => void process.stderr.write(`[control-plane] ${line}\n`);
  // Also with an existing cluster: some tests start their own control plane or run helm and kubectl.
  await ensureControlPlaneBinaries(progress);
  if (process.env['BULKHEAD_TEST_KUBECONFIG'] !== undefined) {
    process.stderr.write(`[control-plane] using ${process.env['BULKHEAD_TEST_KUBECONFIG']}\n`);
    return;
  }
  controlPlane = await startControlPlane({ progress });
  process.env['BULKHEAD_TEST_KUBECONFIG'] = controlPlane.kubeconfigPath;
}

export async function globalTeardown(): Promise<void> {
  await controlPlane?.stop();
}
