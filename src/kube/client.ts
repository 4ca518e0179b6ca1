/**
 * Builds the API clients from a kubeconfig: an explicit path when given, else in-cluster credentials when running in
 * a pod, else the usual default (KUBECONFIG, ~/.kube/config). The only place a KubeConfig is loaded.
 */
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';

export interface KubeClients {
  readonly kubeConfig: KubeConfig;
  /** Generic client for apply, delete and list of any kind. */
  readonly objects: KubernetesObjectApi;
  /** Leases for leader election. */
  readonly coordination: CoordinationV1Api;
  /** The AgentPolicy status subresource. */
  readonly customObjects: CustomObjectsApi;
  /** Events. */
  readonly core: CoreV1Api;
  /** The ceiling ClusterRole. */
  readonly rbac: RbacAuthorizationV1Api;
  /** The API server URL, for logs and the rest_client_requests_total host label. */
  readonly server: string;
}

export interface KubeConfigSource {
  /** An explicit kubeconfig file (the --kubeconfig flag); wins over everything. */
  readonly kubeconfigPath?: string | undefined;
  /** A context in that kubeconfig; defaults to its current context. */
  readonly context?: string | undefined;
  /** Environment to read (default process.env): KUBERNETES_SERVICE_HOST marks in-cluster. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export type KubeConfigOrigin = 'file' | 'in-cluster' | 'default';

/** Pure: which source `loadKubeConfig` will use. */
export function kubeConfigOrigin(source: KubeConfigSource): KubeConfigOrigin {
  if (source.kubeconfigPath !== undefined && source.kubeconfigPath !== '') return 'file';
  const env = source.env ?? process.env;
  if (env.KUBECONFIG === undefined && env.KUBERNETES_SERVICE_HOST !== undefined && env.KUBERNETES_SERVICE_HOST !== '') {
    return 'in-cluster';
  }
  return 'default';
}

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  const origin = kubeConfigOrigin(source);
  try {
    if (origin === 'file') kc.loadFromFile(source.kubeconfigPath as string);
    else if (origin === 'in-cluster') kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (error) {
    const where = origin === 'file' ? `kubeconfig ${source.kubeconfigPath}` : `${origin} kubeconfig`;
    throw new KubeConfigError(`cannot load the ${where}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (source.context !== undefined) {
    if (kc.getContextObject(source.context) === null) throw new KubeConfigError(`kubeconfig has no context "${source.context}"`);
    kc.setCurrentContext(source.context);
  }
  if (kc.getCurrentCluster() === null) throw new KubeConfigError(`the ${origin} kubeconfig names no current cluster`);
  return kc;
}

export function makeKubeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    kubeConfig,
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
    customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
    core: kubeConfig.makeApiClient(CoreV1Api),
    rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api),
    server: kubeConfig.getCurrentCluster()?.server ?? '',
  };
}
