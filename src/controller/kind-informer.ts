/** One informer over one kind, optionally narrowed by selectors; restarts are logged, never silent. */
import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ResourceKind } from '../envelope/resource-table.ts';
import { Informer } from '../kube/informer.ts';
import { kubeListWatch } from '../kube/list-watch.ts';

export interface KindInformerOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Applied to every object before it is cached (default: Informer's, which keeps Bulkhead's managedFields only). */
  readonly transform?: (object: KubernetesObject) => KubernetesObject;
}

export function kindInformer(
  clients: { kubeConfig: KubeConfig; objects: KubernetesObjectApi },
  kind: Pick<ResourceKind, 'apiVersion' | 'kind' | 'plural'>,
  log: Logger,
  options: KindInformerOptions = {},
): Informer {
  return new Informer({
    name: kind.kind,
    source: kubeListWatch<KubernetesObject>(clients, {
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      plural: kind.plural,
      ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
      ...(options.fieldSelector === undefined ? {} : { fieldSelector: options.fieldSelector }),
    }),
    ...(options.transform === undefined ? {} : { transform: options.transform }),
    onError: (error, restartInMs) => log.warn({ kind: kind.kind, err: error, restartInMs }, 'informer restarting'),
  });
}
