/**
 * `npm run cluster:up`: starts the test control plane in the foreground and prints the kubeconfig path, so a
 * developer can point kubectl, the operator or the integration tests (BULKHEAD_TEST_KUBECONFIG) at it. Ctrl-C stops it.
 */
import { ensureControlPlaneBinaries } from './control-plane/build.ts';
import { startControlPlane } from './control-plane/control-plane.ts';

const progress = (line: string): void => void process.stderr.write(`[control-plane] ${line}\n`);
const controlPlane = await ensureControlPlaneBinaries(progress).then(() => startControlPlane({ progress })).catch((error: Error) => {
  process.stderr.write(`cluster:up failed: ${error.message}\n`);
  process.exit(1);
});

process.stdout.write(
  [
    '',
    `Control plane (Kubernetes v${controlPlane.kubernetesVersion}) is up at ${controlPlane.server}`,
    `  export KUBECONFIG=${controlPlane.kubeconfigPath}`,
    `  export BULKHEAD_TEST_KUBECONFIG=${controlPlane.kubeconfigPath}   # integration tests reuse it`,
    `Logs: ${controlPlane.workDir}/*.log. Press Ctrl-C to stop.`,
    '',
  ].join('\n'),
);

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  process.stderr.write('[control-plane] stopping\n');
  controlPlane.stop().then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`stop failed: ${error.message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
// Keep the event loop alive until a signal arrives.
setInterval(() => undefined, 1 << 30);
