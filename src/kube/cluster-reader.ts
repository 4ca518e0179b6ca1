/**
 * The reconciler's reads (ClusterReader): the informer caches for everything Bulkhead labels, live reads for the few
 * objects it does not (a foreign namespace a policy claims).
 */
import * as k8s from '@kubernetes/client-node';
import type { PolicyRule } from '../api/v1alpha1/ceiling.ts';
import type { ClusterReader, KubeObject, ObjectRef } from '../controller/ports.ts';
import { isNotFound, kubeCall } from './errors.ts';
import type { Informer } from './informer.ts';
import type { OwnerIndex } from './owner-index.ts';
import { usePlainJson } from './raw-serialization.ts';

export interface ReaderSources {
  readonly policies: Informer;
  /** One informer per served kind of the resource table, keyed by "apiVersion/kind". */
  readonly owned: ReadonlyMap<string, Informer>;
  readonly ownerIndex: OwnerIndex;
  /** The informer of the permission ceiling ClusterRole (selected by name), when the operator watches it. */
  readonly ceiling?: { readonly name: string; readonly informer: Informer };
  /** Which policies name each Managed RuntimeClass. */
  readonly runtimeClasses: { policiesNaming(className: string): readonly string[] };
  /** Informers of the chart's objects the operator verifies (verifiedKinds), keyed by "apiVersion/kind". */
  readonly installed: ReadonlyMap<string, Informer>;
  /** Every RuntimeClass, Bulkhead's or not (isolation-informers.ts). */
  readonly runtimeClass: (name: string) => KubeObject | undefined;
  readonly objects: k8s.KubernetesObjectApi;
  readonly rbac: k8s.RbacAuthorizationV1Api;
}

export const kindKey = (apiVersion: string, kind: string): string => `${apiVersion}/${kind}`;

export function clusterReader(sources: ReaderSources): ClusterReader {
  return {
    policy: (name) => sources.policies.get(name) as KubeObject | undefined,

    cached: (ref) => sources.owned.get(kindKey(ref.apiVersion, ref.kind))?.get(ref.name, ref.namespace) as KubeObject | undefined,

    ownedBy: (uid) => sources.ownerIndex.ownedBy(uid) as KubeObject[],

    serves: (apiVersion, kind) => sources.owned.has(kindKey(apiVersion, kind)),

    policiesNamingRuntimeClass: (name) => sources.runtimeClasses.policiesNaming(name),

    runtimeClass: (name) => sources.runtimeClass(name),

    installed: (ref) => sources.installed.get(kindKey(ref.apiVersion, ref.kind))?.get(ref.name, ref.namespace) as KubeObject | undefined,

    async read(ref: ObjectRef) {
      usePlainJson(ref.apiVersion, ref.kind);
      const header = {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) },
      };
      try {
        return (await kubeCall({ verb: 'get', kind: ref.kind, namespace: ref.namespace, name: ref.name }, () =>
          sources.objects.read(header),
        )) as unknown as KubeObject;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async clusterRoleRules(name) {
      // The permission ceiling comes from its informer (one watch, no request per reconcile); any other name is read.
      if (sources.ceiling !== undefined && name === sources.ceiling.name) {
        const cached = sources.ceiling.informer.get(name) as { rules?: k8s.V1PolicyRule[] } | undefined;
        return cached === undefined ? undefined : rulesOf(cached.rules);
      }
      try {
        const role = await kubeCall({ verb: 'get', kind: 'ClusterRole', name }, () => sources.rbac.readClusterRole({ name }));
        return rulesOf(role.rules);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
  };
}

function rulesOf(rules: readonly k8s.V1PolicyRule[] | undefined): PolicyRule[] {
  return (rules ?? []).map(
    (r): PolicyRule => ({
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      verbs: r.verbs,
      ...(r.resourceNames === undefined ? {} : { resourceNames: r.resourceNames }),
    }),
  );
}
