/**
 * Runs the operator on this machine exactly as the chart's Deployment would run it in a pod: the container's args and
 * BULKHEAD_* environment read from the Deployment on the cluster, authenticated as the Deployment's ServiceAccount
 * with a token from the TokenRequest API (`--token-file`). A control plane without a kubelet never starts the
 * Deployment's own pods, so this is how the demo and the chart test prove the chart's identity, RBAC and settings
 * are what the operator needs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';

export interface ChartOperatorOptions {
  /** An admin kubeconfig: the operator takes the cluster and its CA from it, never its user. */
  readonly kubeconfigPath: string;
  readonly namespace: string;
  readonly deployment?: string;
  /** The file Node runs: the sources (default) or the bundle, dist/bulkhead.mjs. */
  readonly entry?: string;
  /** Where the token file is written. */
  readonly workDir: string;
  /** Each log line of the operator as it comes. */
  readonly onLine?: (line: string) => void;
}

export interface ChartOperator {
  readonly serviceAccount: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly healthPort: number;
  readonly tokenFile: string;
  logs(): string;
  /** SIGTERM (SIGKILL after 10 s); resolves to the exit code. */
  stop(): Promise<number | null>;
}

const sources = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export async function startChartOperator(options: ChartOperatorOptions): Promise<ChartOperator> {
  const admin = new k8s.KubeConfig();
  admin.loadFromFile(options.kubeconfigPath);
  const deployment = await admin
    .makeApiClient(k8s.AppsV1Api)
    .readNamespacedDeployment({ name: options.deployment ?? 'bulkhead', namespace: options.namespace });
  const pod = deployment.spec?.template.spec;
  const container = pod?.containers.find((c) => c.name === 'operator');
  if (pod?.serviceAccountName === undefined || container === undefined) throw new Error('the Deployment has no operator container or ServiceAccount');
  const serviceAccount = pod.serviceAccountName;
  const env = Object.fromEntries((container.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])));
  const args = container.args ?? [];

  const token = await admin.makeApiClient(k8s.CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace: options.namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const tokenFile = join(options.workDir, `${serviceAccount}.token`);
  writeFileSync(tokenFile, token.status?.token ?? '', { mode: 0o600 });

  // Later flags win: the cluster address from the kubeconfig, the identity from the token, any free health port.
  const child = spawn(
    process.execPath,
    [options.entry ?? sources, ...args, `--kubeconfig=${options.kubeconfigPath}`, `--token-file=${tokenFile}`, '--health-port=0'],
    { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, POD_NAME: 'operator-outside-the-cluster' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const lines: string[] = [];
  const healthPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the operator did not start within 60 s:\n${lines.join('\n')}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n').filter((l) => l !== '')) {
        lines.push(line);
        options.onLine?.(line);
        const port = /"healthPort":(\d+).*"msg":"bulkhead controller started"/.exec(line)?.[1];
        if (port !== undefined) {
          clearTimeout(timer);
          resolve(Number(port));
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the operator exited with ${code} before it started:\n${lines.join('\n')}`));
    });
  });
  return {
    serviceAccount: `system:serviceaccount:${options.namespace}:${serviceAccount}`,
    args,
    env,
    healthPort,
    tokenFile,
    logs: () => lines.join('\n'),
    stop: () => stopChild(child).finally(() => process.off('exit', killOnExit)),
  };
}

function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}
