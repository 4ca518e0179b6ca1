/**
 * The real `ListWatchSource` for one kind: paginated list through KubernetesObjectApi (plain JSON, see
 * raw-serialization.ts) and a watch through client-node's `Watch`, across all namespaces.
 *
 * client-node 2.0.1's `Watch` arms a 30 s timer that aborts the request with a TimeoutError; it is reset on every
 * chunk received, so it is an inactivity timeout. The server ends each watch itself (`timeoutSeconds`, randomised
 * between 5 and 10 minutes like client-go), and an idle watch receives the API server's bookmark about once a
 * minute; so the inactivity timeout is set just above that minute: a healthy idle watch is not churned, and a
 * connection that went silent without a FIN or RST (a stalled proxy, a NAT that forgot it) is noticed within about
 * a minute and the watch resumes from its last resourceVersion. The field is TypeScript-private in 2.0.1
 * (`requestTimeoutMs`), so it is set through a cast; should a client-node upgrade rename it, the informer still
 * treats TimeoutError as a clean end and resumes.
 */
import { Watch, type KubeConfig, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { kubeCall } from './errors.ts';
import type { ListResult, ListWatchSource, WatchEventType, WatchHandle } from './informer.ts';
import { usePlainJson } from './raw-serialization.ts';

export interface ListWatchTarget {
  readonly apiVersion: string;
  readonly kind: string;
  /** The plural resource name used in URLs. */
  readonly plural: string;
  /** One namespace only; undefined lists and watches across all namespaces. */
  readonly namespace?: string;
  /** e.g. "app.kubernetes.io/managed-by=bulkhead"; undefined watches every object of the kind. */
  readonly labelSelector?: string;
  /** e.g. "metadata.name=bulkhead-agent-ceiling": one named object (RBAC may grant it by resourceNames). */
  readonly fieldSelector?: string;
  /** Page size for lists (default 500). */
  readonly pageSize?: number;
}

export interface ListWatchDeps {
  readonly kubeConfig: KubeConfig;
  readonly objects: Pick<KubernetesObjectApi, 'list'>;
  readonly random?: () => number;
}

/** The collection URL path across all namespaces (/api/v1/pods, /apis/apps/v1/deployments) or in one. */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const scope = namespace === undefined ? '' : `/namespaces/${namespace}`;
  return apiVersion.includes('/') ? `/apis/${apiVersion}${scope}/${plural}` : `/api/${apiVersion}${scope}/${plural}`;
}

/** A watch that delivered nothing, not even a bookmark (about one a minute), for this long is dead. */
export const silentWatchMs = 65_000;

export function kubeListWatch<T extends KubernetesObject>(deps: ListWatchDeps, target: ListWatchTarget): ListWatchSource<T> {
  usePlainJson(target.apiVersion, target.kind);
  usePlainJson(target.apiVersion, `${target.kind}List`);
  const random = deps.random ?? Math.random;
  const path = collectionPath(target.apiVersion, target.plural, target.namespace);

  return {
    async list(): Promise<ListResult<T>> {
      const items: T[] = [];
      let continueToken: string | undefined;
      let resourceVersion: string;
      do {
        const page = await kubeCall({ verb: 'list', kind: target.kind, namespace: target.namespace }, () =>
          deps.objects.list<T>(
            target.apiVersion,
            target.kind,
            target.namespace,
            undefined,
            undefined,
            undefined,
            target.fieldSelector,
            target.labelSelector,
            target.pageSize ?? 500,
            continueToken,
          ),
        );
        // List items carry no apiVersion and kind (only the List does); the cache needs them to compare and delete.
        // A metadata-only list (PartialObjectMetadataList) answers `items: null` when empty.
        for (const item of page.items ?? []) items.push({ ...item, apiVersion: target.apiVersion, kind: target.kind });
        resourceVersion = page.metadata?.resourceVersion ?? '';
        continueToken = page.metadata?._continue ?? (page.metadata as { continue?: string } | undefined)?.continue;
      } while (continueToken);
      return { items, resourceVersion };
    },

    async watch(resourceVersion, onEvent, onDone): Promise<WatchHandle> {
      const timeoutSeconds = Math.floor(300 * (1 + random()));
      const watch = new Watch(deps.kubeConfig);
      (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = silentWatchMs;
      const query: Record<string, string | number | boolean> = {
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
      };
      if (target.labelSelector !== undefined) query.labelSelector = target.labelSelector;
      if (target.fieldSelector !== undefined) query.fieldSelector = target.fieldSelector;
      const controller = await watch.watch(path, query, (type: string, object: unknown) => onEvent(type as WatchEventType, object), onDone);
      return { abort: () => controller.abort() };
    },
  };
}
