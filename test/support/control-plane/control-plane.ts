import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificates, type ControlPlaneCertificates } from './certificates.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { freePort } from './ports.ts';
import { logTail, startComponent, stopComponent, type Component } from './processes.ts';
import { probe, waitUntil } from './readiness.ts';
import { controlPlaneBinaries, type ControlPlaneBinaries } from './versions.ts';

/** A running etcd + kube-apiserver + kube-controller-manager, owned by the process that started it. */
export interface ControlPlane {
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly workDir: string;
  readonly kubernetesVersion: string;
  /** Process ids of etcd, kube-apiserver and kube-controller-manager (the benchmark reads their CPU time). */
  readonly pids: Readonly<Record<string, number>>;
  stop(): Promise<void>;
  /**
   * Fault injection: kills one component (SIGKILL unless told otherwise: no graceful shutdown, as when a node dies),
   * leaves it down for `downMs`, and starts it again on the same ports with the same data (etcd's data directory,
   * the API server's etcd), resolving once it is ready again.
   */
  restart(component: 'etcd' | 'kube-apiserver', options?: { downMs?: number; signal?: NodeJS.Signals }): Promise<void>;
}

export interface StartOptions {
  /** Progress lines (component started, ready, timings); default: nothing. */
  readonly progress?: (line: string) => void;
  /** Where the work directory goes; default the OS temp dir. */
  readonly parentDir?: string;
  /** Extra kube-apiserver flags (fault tests tighten --max-requests-inflight to provoke throttling). */
  readonly apiserverArgs?: readonly string[];
}

export class MissingBinariesError extends Error {
  override readonly name = 'MissingBinariesError';
}

function requireBinaries(bins: ControlPlaneBinaries): void {
  const missing = [bins.etcd, bins.kubeApiserver, bins.kubeControllerManager].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new MissingBinariesError(
      `control-plane binaries missing (${missing.join(', ')}); build them with \`npm run cluster:build\``,
    );
  }
}

/** A detached watchdog that kills what `workDir`'s pid file lists, and removes it, once this process is gone. */
export function startReaper(workDir: string): void {
  const reaper = fileURLToPath(new URL('./reaper.ts', import.meta.url));
  const child = spawn(process.execPath, [reaper, String(process.pid), workDir], { detached: true, stdio: 'ignore' });
  child.unref();
}

interface EtcdPorts {
  readonly clientPort: number;
  readonly peerPort: number;
}

async function startEtcd(workDir: string, ports: EtcdPorts): Promise<{ component: Component; url: string }> {
  const { clientPort, peerPort } = ports;
  const url = `http://127.0.0.1:${clientPort}`;
  const bins = controlPlaneBinaries();
  const component = startComponent(workDir, 'etcd', bins.etcd, [
    '--name=bulkhead-test',
    `--data-dir=${join(workDir, 'etcd-data')}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=bulkhead-test=http://127.0.0.1:${peerPort}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);
  await waitUntil(
    'etcd',
    async () => {
      const res = await probe(`${url}/health`);
      return res.status === 200 && /"health":\s*"true"/.test(res.body);
    },
    { timeoutMs: 30_000, exited: component.exited },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- etcd log ---\n${logTail(component)}`);
  });
  return { component, url };
}

async function startApiserver(
  workDir: string,
  etcdUrl: string,
  certs: ControlPlaneCertificates,
  port: number,
  extraArgs: readonly string[] = [],
): Promise<{ component: Component; server: string }> {
  const server = `https://127.0.0.1:${port}`;
  const component = startComponent(workDir, 'kube-apiserver', controlPlaneBinaries().kubeApiserver, [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(workDir, 'apiserver-certs')}`,
    `--tls-cert-file=${certs.servingCert}`,
    `--tls-private-key-file=${certs.servingKey}`,
    `--client-ca-file=${certs.caCert}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${certs.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    // Pod Security, RuntimeClass, ResourceQuota, LimitRanger and ValidatingAdmissionPolicy are on by default.
    '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,PodSecurity,RuntimeClass,LimitRanger,ResourceQuota,ValidatingAdmissionPolicy',
    '--v=1',
    ...extraArgs,
  ]);
  const tls = {
    ca: readFileSync(certs.caCert),
    cert: readFileSync(certs.adminCert),
    key: readFileSync(certs.adminKey),
  };
  const failWithLog = (error: Error): never => {
    throw new Error(`${error.message}\n--- kube-apiserver log ---\n${logTail(component)}`);
  };
  await waitUntil('kube-apiserver /readyz', async () => (await probe(`${server}/readyz`, tls)).status === 200, {
    timeoutMs: 180_000,
    exited: component.exited,
  }).catch(failWithLog);
  await waitUntil(
    'namespace default',
    async () => (await probe(`${server}/api/v1/namespaces/default`, tls)).status === 200,
    { timeoutMs: 60_000, exited: component.exited },
  ).catch(failWithLog);
  return { component, server };
}

async function startControllerManager(
  workDir: string,
  server: string,
  certs: ControlPlaneCertificates,
): Promise<Component> {
  const port = await freePort();
  const kubeconfigPath = join(workDir, 'kube-controller-manager.kubeconfig');
  writeKubeconfig(kubeconfigPath, server, 'system:kube-controller-manager', {
    caCert: certs.caCert,
    clientCert: certs.controllerManagerCert,
    clientKey: certs.controllerManagerKey,
  });
  const component = startComponent(workDir, 'kube-controller-manager', controlPlaneBinaries().kubeControllerManager, [
    `--kubeconfig=${kubeconfigPath}`,
    `--authentication-kubeconfig=${kubeconfigPath}`,
    `--authorization-kubeconfig=${kubeconfigPath}`,
    `--service-account-private-key-file=${certs.serviceAccountKey}`,
    `--root-ca-file=${certs.caCert}`,
    // Each controller acts as its own ServiceAccount (generic-garbage-collector, namespace-controller, ...), as in
    // a real cluster, so admission policies that exempt them are tested for real.
    '--use-service-account-credentials=true',
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(workDir, 'kcm-certs')}`,
    // Garbage collection, namespace deletion and ServiceAccount tokens are what the tests need; the node, cloud
    // and volume controllers would only complain about the missing nodes.
    '--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller,-persistentvolume-binder-controller,-persistentvolume-attach-detach-controller,-persistentvolume-expander-controller',
    '--concurrent-gc-syncs=5',
    '--concurrent-namespace-syncs=5',
    '--v=1',
  ]);
  await waitUntil(
    'kube-controller-manager /healthz',
    async () => (await probe(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false })).status === 200,
    { timeoutMs: 60_000, exited: component.exited },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- kube-controller-manager log ---\n${logTail(component)}`);
  });
  return component;
}

/** Starts a control plane in a fresh work directory; on failure stops what it started and removes the directory. */
export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlane> {
  const progress = options.progress ?? (() => undefined);
  const bins = controlPlaneBinaries();
  requireBinaries(bins);
  const parent = options.parentDir ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  const workDir = mkdtempSync(join(parent, 'bulkhead-cp-'));
  startReaper(workDir);
  const started: Component[] = [];
  const stop = async (): Promise<void> => {
    for (const component of [...started].reverse()) await stopComponent(component);
    rmSync(workDir, { recursive: true, force: true });
  };
  const begin = Date.now();
  const elapsed = (): string => `${((Date.now() - begin) / 1000).toFixed(1)} s`;
  try {
    const certs = createCertificates(workDir);
    const etcdPorts = { clientPort: await freePort(), peerPort: await freePort() };
    const etcd = await startEtcd(workDir, etcdPorts);
    started.push(etcd.component);
    progress(`etcd v${bins.etcdVersion} ready at ${etcd.url} (${elapsed()})`);
    const apiserverPort = await freePort();
    const apiserver = await startApiserver(workDir, etcd.url, certs, apiserverPort, options.apiserverArgs);
    started.push(apiserver.component);
    progress(`kube-apiserver v${bins.kubernetesVersion} ready at ${apiserver.server} (${elapsed()})`);
    const kubeconfigPath = join(workDir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, apiserver.server, 'bulkhead-test-admin', {
      caCert: certs.caCert,
      clientCert: certs.adminCert,
      clientKey: certs.adminKey,
    });
    started.push(await startControllerManager(workDir, apiserver.server, certs));
    progress(`kube-controller-manager ready (${elapsed()})`);
    const restart = async (name: 'etcd' | 'kube-apiserver', how: { downMs?: number; signal?: NodeJS.Signals } = {}): Promise<void> => {
      const index = started.findIndex((c) => c.name === name);
      const running = started[index];
      if (running === undefined) throw new Error(`${name} is not part of this control plane`);
      await stopComponent(running, 0, how.signal ?? 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, how.downMs ?? 0));
      const again =
        name === 'etcd'
          ? (await startEtcd(workDir, etcdPorts)).component
          : (await startApiserver(workDir, etcd.url, certs, apiserverPort, options.apiserverArgs)).component;
      started[index] = again;
      progress(`${name} restarted (${elapsed()})`);
    };
    // The pids at start (the benchmark reads their CPU from /proc); a restarted component gets a new one.
    const pids = Object.fromEntries(started.map((c) => [c.name, c.process.pid ?? 0]));
    return { server: apiserver.server, kubeconfigPath, workDir, kubernetesVersion: bins.kubernetesVersion, pids, stop, restart };
  } catch (error) {
    await stop();
    throw error;
  }
}
