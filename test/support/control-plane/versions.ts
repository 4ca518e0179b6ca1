import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The pinned control-plane versions and the binary cache, read from scripts/control-plane-versions.sh so the build
 * script and the harness can never disagree.
 */
export interface ControlPlaneBinaries {
  readonly kubernetesVersion: string;
  readonly etcdVersion: string;
  readonly binDir: string;
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  /** The same version as the API server: the README's install steps and the tests use it. */
  readonly kubectl: string;
  /** The interoperability tools: the Sealed Secrets controller and kubeseal, and Helm. */
  readonly sealedSecretsVersion: string;
  readonly helmVersion: string;
  readonly toolsBinDir: string;
  readonly sealedSecretsController: string;
  readonly kubeseal: string;
  readonly helm: string;
}

const versionsFile = new URL('../../../scripts/control-plane-versions.sh', import.meta.url);

export function controlPlaneBinaries(env: NodeJS.ProcessEnv = process.env): ControlPlaneBinaries {
  const text = readFileSync(versionsFile, 'utf8');
  const pinned = (key: string): string => {
    const match = new RegExp(`^${key}=([^\\s#]+)`, 'm').exec(text);
    if (match?.[1] === undefined) throw new Error(`${key} is missing from scripts/control-plane-versions.sh`);
    return match[1];
  };
  const kubernetesVersion = pinned('KUBERNETES_VERSION');
  const etcdVersion = pinned('ETCD_VERSION');
  const cache = env['BULKHEAD_CACHE'] ?? join(homedir(), '.cache', 'bulkhead');
  const binDir = env['BULKHEAD_BIN'] ?? join(cache, 'bin', `k8s-v${kubernetesVersion}-etcd-v${etcdVersion}`);
  const sealedSecretsVersion = pinned('SEALED_SECRETS_VERSION');
  const helmVersion = pinned('HELM_VERSION');
  const toolsBinDir = env['BULKHEAD_TOOLS_BIN'] ?? join(cache, 'bin', `sealed-secrets-v${sealedSecretsVersion}-helm-v${helmVersion}`);
  return {
    kubernetesVersion,
    etcdVersion,
    binDir,
    etcd: join(binDir, 'etcd'),
    kubeApiserver: join(binDir, 'kube-apiserver'),
    kubeControllerManager: join(binDir, 'kube-controller-manager'),
    kubectl: join(binDir, 'kubectl'),
    sealedSecretsVersion,
    helmVersion,
    toolsBinDir,
    sealedSecretsController: join(toolsBinDir, 'sealed-secrets-controller'),
    kubeseal: join(toolsBinDir, 'kubeseal'),
    helm: join(toolsBinDir, 'helm'),
  };
}
