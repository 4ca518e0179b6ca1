/**
 * Builds the API clients from a kubeconfig: an explicit path when given, else in-cluster credentials when running in
 * a pod, else the usual default (KUBECONFIG, ~/.kube/config). The only place a KubeConfig is loaded.
 */
import {
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  setHeaderMiddleware,
  wrapHttpLibrary,
  type Configuration,
  type HttpLibrary,
} from '@kubernetes/client-node';
import packageJson from '../../package.json' with { type: 'json' };
import { requestSignal } from './request-signal.ts';

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
  /** Like `objects`, but lists answer with metadata only (PartialObjectMetadataList): Secrets without their values. */
  readonly metadata: KubernetesObjectApi;
  /** SubjectAccessReviews (bulkhead audit). */
  readonly authorization: AuthorizationV1Api;
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

/** Sees every API response (rest_client_requests_total): method, status code ("<error>" without one), host. */
export type RequestObserver = (method: string, code: string, host: string) => void;

export interface ClientOptions {
  /** Sees every API response (rest_client_requests_total). */
  readonly observe?: RequestObserver;
  /** Every request is aborted after this long (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Aborts every request in flight (the operator stopping or losing leadership). */
  readonly signal?: AbortSignal;
}

/**
 * client-node's fetch library, wrapped so every request has a deadline and the client's signal (see
 * request-signal.ts) and is observed (client-go counts requests the same way).
 */
function requestHttpLibrary(options: ClientOptions): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary();
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  return wrapHttpLibrary({
    async send(request) {
      request.setSignal(requestSignal(timeoutMs, options.signal, request.getSignal()));
      const method = request.getHttpMethod().toString();
      const host = new URL(request.getUrl()).host;
      try {
        const response = await inner.send(request).toPromise();
        options.observe?.(method, String(response.httpStatusCode), host);
        return response;
      } catch (error) {
        options.observe?.(method, '<error>', host);
        throw error;
      }
    },
  });
}

/**
 * client-node 2.0.1 sends every API request through undici with a dispatcher it builds for that request
 * (`KubeConfig.createDispatcher`, called by `applySecurityAuthentication`, never cached): a new connection pool, so a
 * new TLS connection, per request, each kept open until undici's idle timeout. Measured against the benchmark's API
 * server: 1,000 GETs made 1,000 TLS connections, up to 576 sockets open at once, and +194 MB of RSS; the operator
 * reached 781 MB converging 200 policies with 42 MB of JavaScript heap. Its dispatcher factory is wrapped once per
 * KubeConfig so that every request of one cluster and user shares one keep-alive pool (watches included: undici
 * opens as many connections as there are requests in flight, so a long-lived watch never blocks other requests).
 * The agent factory (WebSocket connections: exec, attach) is wrapped likewise to keep its connections alive.
 */
const keepAlive = new WeakSet<KubeConfig>();
function keepConnectionsAlive(kubeConfig: KubeConfig): void {
  if (keepAlive.has(kubeConfig)) return;
  keepAlive.add(kubeConfig);
  const target = kubeConfig as unknown as {
    createAgent(cluster: unknown, options: Record<string, unknown>): unknown;
    createDispatcher(cluster: unknown, options: Record<string, unknown>): unknown;
    getAgentCacheKey(cluster: unknown): string;
  };
  const createAgent = target.createAgent.bind(kubeConfig);
  target.createAgent = (cluster, agentOptions) => createAgent(cluster, { ...agentOptions, keepAlive: true, maxSockets: 32, maxFreeSockets: 8 });
  // Keyed as client-node keys its agents (cluster and user names): the TLS options are the same for every request.
  const dispatchers = new Map<string, unknown>();
  const createDispatcher = target.createDispatcher.bind(kubeConfig);
  target.createDispatcher = (cluster, options) => {
    const key = target.getAgentCacheKey(cluster);
    if (!dispatchers.has(key)) dispatchers.set(key, createDispatcher(cluster, options));
    return dispatchers.get(key);
  };
}

/** The Accept header that makes the API server answer a list with PartialObjectMetadataList. */
export const metadataListAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/** API discovery (/api/v1, /apis/group/version), which KubernetesObjectApi asks before a list: plain JSON only. */
const discoveryPath = /^\/api\/[^/]+$|^\/apis\/[^/]+\/[^/]+$/;

/**
 * What KubeConfig.makeApiClient builds, plus our user agent and the request observer; `listAccept` replaces the
 * Accept header the generated clients set on every request but discovery (middleware runs after them).
 */
function configuration(kubeConfig: KubeConfig, options: ClientOptions, listAccept?: string): Configuration {
  keepConnectionsAlive(kubeConfig);
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  return createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kubeConfig },
    middleware: [setHeaderMiddleware('User-Agent', `bulkhead/${packageJson.version}`)],
    ...(listAccept === undefined
      ? {}
      : {
          promiseMiddleware: [
            {
              pre: async (context) => {
                if (!discoveryPath.test(new URL(context.getUrl()).pathname)) context.setHeaderParam('Accept', listAccept);
                return context;
              },
              post: async (response) => response,
            },
          ],
        }),
    httpApi: requestHttpLibrary(options),
  });
}

function objectsApi(kubeConfig: KubeConfig, config: Configuration): KubernetesObjectApi {
  const objects = new KubernetesObjectApi(config);
  // What KubernetesObjectApi.makeApiClient does; the method is protected in the typings.
  (objects as unknown as { setDefaultNamespace(kc: KubeConfig): void }).setDefaultNamespace(kubeConfig);
  return objects;
}

export function makeKubeClients(kubeConfig: KubeConfig, options: ClientOptions = {}): KubeClients {
  const config = configuration(kubeConfig, options);
  const objects = objectsApi(kubeConfig, config);
  return {
    kubeConfig,
    objects,
    metadata: objectsApi(kubeConfig, configuration(kubeConfig, options, metadataListAccept)),
    authorization: new AuthorizationV1Api(config),
    coordination: new CoordinationV1Api(config),
    customObjects: new CustomObjectsApi(config),
    core: new CoreV1Api(config),
    rbac: new RbacAuthorizationV1Api(config),
    server: kubeConfig.getCurrentCluster()?.server ?? '',
  };
}
