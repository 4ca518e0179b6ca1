/**
 * The real Sealed Secrets controller (v0.36.6, built by scripts/build-control-plane.sh) against the test control
 * plane, as its own ServiceAccount with the RBAC of its upstream chart, in its own namespace, with a key pair the test
 * brings (so the test can seal offline and check what the controller opens).
 *
 * The controller only knows in-cluster configuration, so it runs as root in a private mount namespace: a tmpfs over
 * /var/run/secrets (or /var/run when that has no secrets directory: nothing is created on the host) and a bind mount
 * of a directory holding a TokenRequest token, the cluster CA and the namespace, with KUBERNETES_SERVICE_HOST/PORT
 * pointing at the API server on 127.0.0.1. It runs in its own process group, recorded with a reaper, so it dies with
 * the test process even when no teardown code runs.
 *
 * Its HTTP port serves /v1/cert.pem. Without a kubelet, the API server's service proxy reaches it only through an
 * Endpoints address that names a Pod with that IP; the API server refuses loopback addresses in Endpoints and
 * EndpointSlices, so the controller listens on a non-loopback address of this machine and a Pod that never runs
 * carries that IP in its status.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { applyAsAdmin, tokenKubeConfig } from './install.ts';
import { eventually } from './cluster.ts';
import { startReaper } from './control-plane/control-plane.ts';
import { freePort } from './control-plane/ports.ts';
import { logTail, startComponent, stopComponent, type Component } from './control-plane/processes.ts';
import { probe } from './control-plane/readiness.ts';
import { controlPlaneBinaries } from './control-plane/versions.ts';
import type { TestSealingKey } from './sealing-keys.ts';

export const sealedSecretsCrdName = 'sealedsecrets.bitnami.com';
const crdFile = new URL('../fixtures/sealed-secrets/sealedsecrets-crd.yaml', import.meta.url);

/** Installs the upstream SealedSecret CRD and waits until the API server serves it. */
export async function installSealedSecretsCrd(admin: k8s.KubeConfig): Promise<void> {
  const crd = parseAllDocuments(readFileSync(crdFile, 'utf8')).map((d) => d.toJS() as object);
  await applyAsAdmin(admin, crd);
  const ext = admin.makeApiClient(k8s.ApiextensionsV1Api);
  await eventually('the SealedSecret CRD to be established', async () => {
    const read = await ext.readCustomResourceDefinition({ name: sealedSecretsCrdName });
    return read.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
}

export async function uninstallSealedSecretsCrd(admin: k8s.KubeConfig): Promise<void> {
  const ext = admin.makeApiClient(k8s.ApiextensionsV1Api);
  await ext.deleteCustomResourceDefinition({ name: sealedSecretsCrdName }).catch(ignoreNotFound);
  await eventually('the SealedSecret CRD to be gone', async () =>
    ext.readCustomResourceDefinition({ name: sealedSecretsCrdName }).then(
      () => undefined,
      (error: unknown) => (error instanceof k8s.ApiException && error.code === 404 ? true : Promise.reject(error)),
    ),
  );
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof k8s.ApiException && error.code === 404)) throw error;
}

export interface SealedSecretsController {
  readonly namespace: string;
  /** The controller's Service (and ServiceAccount) name. */
  readonly name: string;
  /** Where its HTTP port listens (a non-loopback address of this machine). */
  readonly url: string;
  /** A kubeconfig path for a user holding only the chart's service-proxier Role: what `kubeseal --fetch-cert` needs. */
  readonly sealerKubeconfig: string;
  /** (Re)starts the process and waits until it serves its certificate. */
  start(): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL); the cluster objects stay. */
  stop(): Promise<void>;
  /** The last lines of its log. */
  log(): string;
  /** Stops the process and deletes everything it created: namespace, cluster RBAC, work directory. */
  remove(): Promise<void>;
}

export interface SealedSecretsOptions {
  readonly namespace: string;
  readonly key: TestSealingKey;
  /** Prefix of cluster-scoped names, unique per test run. */
  readonly clusterPrefix: string;
}

const name = 'sealed-secrets-controller';

/** A non-loopback IPv4 address of this machine: what an Endpoints address may name. */
function hostAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address: the service proxy cannot reach a local controller');
}

/** The chart's ClusterRole (secrets-unsealer), key-admin Role and service-proxier Role, bound as the chart binds them. */
function rbacObjects(namespace: string, prefix: string): object[] {
  const sa = [{ kind: 'ServiceAccount', name, namespace }];
  const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]) => ({
    apiGroups,
    resources,
    verbs,
    ...(resourceNames === undefined ? {} : { resourceNames }),
  });
  const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', bindingName: string, roleKind: string, subjects: object[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name: bindingName, ...(kind === 'RoleBinding' ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: bindingName },
    subjects,
  });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sealer', namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${prefix}-secrets-unsealer` },
      rules: [
        rule(['bitnami.com'], ['sealedsecrets'], ['get', 'list', 'watch']),
        rule(['bitnami.com'], ['sealedsecrets/status'], ['update']),
        rule([''], ['secrets'], ['get', 'list', 'create', 'update', 'delete', 'watch']),
        rule([''], ['events'], ['create', 'patch']),
        rule([''], ['namespaces'], ['get']),
      ],
    },
    binding('ClusterRoleBinding', `${prefix}-secrets-unsealer`, 'ClusterRole', sa),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: `${name}-key-admin`, namespace },
      rules: [rule([''], ['secrets'], ['get'], ['sealed-secrets-key']), rule([''], ['secrets'], ['create', 'list'])],
    },
    binding('RoleBinding', `${name}-key-admin`, 'Role', sa),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: `${name}-service-proxier`, namespace },
      rules: [
        rule([''], ['services'], ['get'], [name]),
        rule([''], ['services/proxy'], ['create', 'get'], [`http:${name}:`, `http:${name}:http`, name]),
      ],
    },
    binding('RoleBinding', `${name}-service-proxier`, 'Role', [{ kind: 'ServiceAccount', name: 'sealer', namespace }]),
  ];
}

async function serviceAccountToken(core: k8s.CoreV1Api, namespace: string, account: string): Promise<string> {
  const request = await core.createNamespacedServiceAccountToken({
    name: account,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (token === undefined) throw new Error(`TokenRequest for ${namespace}/${account} returned no token`);
  return token;
}

// Runs inside the private mount namespace: $1 is the directory to show as the ServiceAccount mount, the rest the command.
const mountAndExec = [
  'set -e',
  'sa="$1"; shift',
  'if [ -d /var/run/secrets ]; then mount -t tmpfs tmpfs /var/run/secrets; else mount -t tmpfs tmpfs /var/run; fi',
  'mkdir -p /var/run/secrets/kubernetes.io/serviceaccount',
  'mount --bind "$sa" /var/run/secrets/kubernetes.io/serviceaccount',
  'exec "$@"',
].join('\n');

export async function startSealedSecretsController(admin: k8s.KubeConfig, options: SealedSecretsOptions): Promise<SealedSecretsController> {
  const { namespace, key, clusterPrefix } = options;
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const cluster = admin.getCurrentCluster();
  if (cluster?.caData === undefined) throw new Error('the admin kubeconfig has no embedded CA');
  const apiServer = new URL(cluster.server);
  const address = hostAddress();
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  const url = `http://${address}:${httpPort}`;

  const workDir = mkdtempSync(join(tmpdir(), 'bulkhead-sealed-secrets-'));
  startReaper(workDir);
  let component: Component | undefined;
  const stop = async (): Promise<void> => {
    if (component !== undefined) await stopComponent(component);
  };
  const remove = async (): Promise<void> => {
    await stop();
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.deleteClusterRoleBinding({ name: `${clusterPrefix}-secrets-unsealer` }).catch(ignoreNotFound);
    await rbac.deleteClusterRole({ name: `${clusterPrefix}-secrets-unsealer` }).catch(ignoreNotFound);
    await core.deleteNamespace({ name: namespace }).catch(ignoreNotFound);
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await applyAsAdmin(admin, rbacObjects(namespace, clusterPrefix));
    // The key pair the test brings, exactly as the controller stores the ones it generates.
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'sealed-secrets-key', labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' } },
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': key.certificatePem, 'tls.key': key.privateKeyPem },
      },
    });
    await exposeThroughServiceProxy(core, namespace, address, httpPort);

    const serviceAccountDir = join(workDir, 'serviceaccount');
    mkdirSync(serviceAccountDir);
    writeFileSync(join(serviceAccountDir, 'token'), await serviceAccountToken(core, namespace, name), { mode: 0o600 });
    writeFileSync(join(serviceAccountDir, 'ca.crt'), Buffer.from(cluster.caData, 'base64'));
    writeFileSync(join(serviceAccountDir, 'namespace'), namespace);
    const sealerKubeconfig = join(workDir, 'sealer.kubeconfig');
    writeFileSync(sealerKubeconfig, tokenKubeConfig(admin, await serviceAccountToken(core, namespace, 'sealer')).exportConfig(), { mode: 0o600 });

    const args = [
      '--mount',
      '--propagation',
      'private',
      'env',
      `KUBERNETES_SERVICE_HOST=${apiServer.hostname}`,
      `KUBERNETES_SERVICE_PORT=${apiServer.port}`,
      'sh',
      '-c',
      mountAndExec,
      'sh',
      serviceAccountDir,
      controlPlaneBinaries().sealedSecretsController,
      `--listen-addr=${address}:${httpPort}`,
      `--listen-metrics-addr=127.0.0.1:${metricsPort}`,
      '--key-renew-period=0',
    ];
    const start = async (): Promise<void> => {
      if (component !== undefined && component.process.exitCode === null && component.process.signalCode === null) return;
      component = startComponent(workDir, name, 'unshare', args);
      const running = component;
      await eventually(
        'the Sealed Secrets controller to serve its certificate',
        async () => {
          if (running.process.exitCode !== null) throw new Error(`it exited:\n${logTail(running)}`);
          const response = await probe(`${url}/v1/cert.pem`);
          return response.status === 200 ? true : undefined;
        },
        30_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- sealed-secrets-controller log ---\n${logTail(running)}`);
      });
    };
    await start();
    return {
      namespace,
      name,
      url,
      sealerKubeconfig,
      start,
      stop,
      remove,
      log: () => (component === undefined ? '' : logTail(component, 200)),
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** The controller's Service, a never-running Pod carrying the controller's address, and Endpoints naming that Pod. */
async function exposeThroughServiceProxy(core: k8s.CoreV1Api, namespace: string, address: string, port: number): Promise<void> {
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name }, spec: { ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }] } },
  });
  const spec = { containers: [{ name: 'controller', image: 'sealed-secrets-controller:v0.36.6' }] };
  await core.createNamespacedPod({ namespace, body: { metadata: { name }, spec } });
  await core.replaceNamespacedPodStatus({
    namespace,
    name,
    body: { metadata: { name }, spec, status: { phase: 'Running', podIP: address, podIPs: [{ ip: address }] } },
  });
  await core.createNamespacedEndpoints({
    namespace,
    body: {
      metadata: { name },
      subsets: [{ addresses: [{ ip: address, targetRef: { kind: 'Pod', name, namespace } }], ports: [{ name: 'http', port, protocol: 'TCP' }] }],
    },
  });
}
