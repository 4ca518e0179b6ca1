/**
 * Builds the control plane and the interoperability tools when any is missing, by running
 * scripts/build-control-plane.sh (which skips what is cached) with its progress shown: `npm test`, `npm run demo` and
 * `npm run cluster:up` work on a fresh machine without a separate build step.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { controlPlaneBinaries, type ControlPlaneBinaries } from './versions.ts';

const script = fileURLToPath(new URL('../../../scripts/build-control-plane.sh', import.meta.url));

export function missingBinaries(bins: ControlPlaneBinaries = controlPlaneBinaries()): string[] {
  return [bins.etcd, bins.kubeApiserver, bins.kubeControllerManager, bins.kubectl, bins.helm, bins.kubeseal, bins.sealedSecretsController].filter(
    (path) => !existsSync(path),
  );
}

/** Resolves when every binary exists; the build's output goes to this process's stderr as it happens. */
export async function ensureControlPlaneBinaries(progress: (line: string) => void): Promise<void> {
  const missing = missingBinaries();
  if (missing.length === 0) return;
  progress(`building ${missing.length} missing component(s) from their Go modules (a cold build takes 10 to 25 minutes)`);
  const started = Date.now();
  const child = spawn('bash', [script], { stdio: ['ignore', process.stderr, process.stderr] });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`scripts/build-control-plane.sh failed with exit code ${code}`);
  progress(`control plane built in ${Math.round((Date.now() - started) / 1000)} s`);
}
