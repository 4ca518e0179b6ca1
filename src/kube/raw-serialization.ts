/**
 * Makes `KubernetesObjectApi` send and return plain JSON for the kinds Bulkhead touches.
 *
 * Why: for built-in kinds, client-node 2.0.1's `KubernetesObjectApi` runs request bodies through its generated
 * models, which read model property names, not JSON names. A plain-JSON object loses every field whose model name
 * differs: NetworkPolicy `ingress[].from` (model `_from`) and LimitRange `limits[].default` (model `_default`) are
 * silently dropped, and fields newer than the models vanish. Dropping `from` turns an ingress allow list into
 * "allow from anywhere". Responses come back as model instances with `Date` timestamps and explicit undefined
 * properties, unlike the plain JSON a watch delivers.
 *
 * client-node's own remedy is `ObjectSerializer.registerModel(gvk, serializer)`: a registered serializer wins over
 * the generated models for that group/version/kind. It is not re-exported from the package index, so it is imported
 * from its module path (the package has no "exports" map; pinned at 2.0.1). The registry is process-wide state of the
 * library; registering is idempotent.
 */
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';

const passThrough = {
  serialize: (data: unknown) => data,
  deserialize: (data: unknown) => data,
};

const registered = new Set<string>();

/** Send and receive objects of this apiVersion/kind as plain JSON. Safe to call repeatedly. */
export function usePlainJson(apiVersion: string, kind: string): void {
  const id = `${apiVersion}/${kind}`;
  if (registered.has(id)) return;
  const slash = apiVersion.indexOf('/');
  const gvk = slash === -1 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
  try {
    ObjectSerializer.registerModel(gvk, passThrough);
  } catch (error) {
    // Registered by another copy of this module (tests may load it twice): that registration is ours too.
    if (!(error instanceof Error && /already defined/.test(error.message))) throw error;
  }
  registered.add(id);
}
