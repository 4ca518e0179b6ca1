/**
 * `ServedKindsPort` over API discovery: one GET of /apis/<group>/<version> (or /api/v1) per group version of the
 * kinds asked about, a few hundred bytes for a CRD's group; a 404 means the group version is not served at all.
 */
import type { CoreV1Api, CustomObjectsApi, V1APIResourceList } from '@kubernetes/client-node';
import type { KindRef, ServedKindsPort } from '../controller/kind-discovery.ts';
import { isNotFound, kubeCall } from './errors.ts';

export interface DiscoveryClients {
  readonly customObjects: Pick<CustomObjectsApi, 'getAPIResources'>;
  readonly core: Pick<CoreV1Api, 'getAPIResources'>;
}

export function discoveryServedKinds(clients: DiscoveryClients): ServedKindsPort {
  return {
    async served<K extends KindRef>(kinds: readonly K[]): Promise<ReadonlySet<K>> {
      const served = new Set<K>();
      for (const apiVersion of new Set(kinds.map((k) => k.apiVersion))) {
        let list: V1APIResourceList;
        try {
          list = await kubeCall({ verb: 'get', kind: 'APIResourceList', name: apiVersion }, () => {
            const [group, version] = apiVersion.split('/');
            return version === undefined
              ? clients.core.getAPIResources()
              : clients.customObjects.getAPIResources({ group: group as string, version });
          });
        } catch (error) {
          if (isNotFound(error)) continue;
          throw error;
        }
        // Subresources (sealedsecrets/status) carry the parent's kind; only the resource itself counts.
        const servedKinds = new Set(list.resources.filter((r) => !r.name.includes('/')).map((r) => r.kind));
        for (const kind of kinds) if (kind.apiVersion === apiVersion && servedKinds.has(kind.kind)) served.add(kind);
      }
      return served;
    },
  };
}
