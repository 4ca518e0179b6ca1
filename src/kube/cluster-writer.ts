/**
 * The reconciler's writes (ClusterWriter), over the API server. Every call leaves errors as KubeApiError naming the
 * object; optimistic concurrency (resourceVersion) guards the read-modify-write patches, never the applies.
 */
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { group, plural, version } from '../api/v1alpha1/well-known.ts';
import type { ClusterWriter, KubeObject } from '../controller/ports.ts';
import { createNew, deleteObserved, replaceObserved, serverSideApply, type ApplyObject } from './apply.ts';
import { kubeCall } from './errors.ts';
import { usePlainJson } from './raw-serialization.ts';

export interface ClusterWriterClients {
  readonly objects: k8s.KubernetesObjectApi;
  readonly customObjects: k8s.CustomObjectsApi;
  readonly core: k8s.CoreV1Api;
  /** Who records Events (reportingInstance): the pod name. */
  readonly identity: string;
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** A JSON merge patch of metadata fields, guarded by the resourceVersion the caller observed. */
async function patchMetadata(api: k8s.KubernetesObjectApi, object: KubeObject, metadata: Record<string, unknown>): Promise<KubeObject> {
  usePlainJson(object.apiVersion, object.kind);
  const { name, namespace, resourceVersion } = object.metadata;
  const request = { verb: 'patch', kind: object.kind, namespace, name };
  return (await kubeCall(request, () =>
    api.patch(
      {
        apiVersion: object.apiVersion,
        kind: object.kind,
        metadata: { name, ...(namespace === undefined ? {} : { namespace }), resourceVersion, ...metadata },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      k8s.PatchStrategy.MergePatch,
    ),
  )) as unknown as KubeObject;
}

export function clusterWriter(clients: ClusterWriterClients): ClusterWriter {
  return {
    async apply(object) {
      return (await serverSideApply(clients.objects, object as unknown as ApplyObject)) as unknown as KubeObject;
    },

    async create(object) {
      return (await createNew(clients.objects, object as unknown as ApplyObject)) as unknown as KubeObject;
    },

    async update(object) {
      return (await replaceObserved(clients.objects, object as unknown as ApplyObject)) as unknown as KubeObject;
    },

    async delete(object) {
      const uid = object.metadata.uid;
      if (uid === undefined) throw new TypeError(`cannot delete ${object.kind} ${object.metadata.name}: no UID observed`);
      await deleteObserved(clients.objects, { ...object, metadata: { ...object.metadata, uid } });
    },

    async setPolicyFinalizers(policy, finalizers) {
      return patchMetadata(clients.objects, policy, { finalizers: finalizers.length === 0 ? null : [...finalizers] });
    },

    async writePolicyStatus(policy, status) {
      const request = { verb: 'patch', kind: policy.kind, name: policy.metadata.name };
      return (await kubeCall(request, () =>
        clients.customObjects.patchClusterCustomObjectStatus(
          { group, version, plural, name: policy.metadata.name, body: { status } },
          mergePatch,
        ),
      )) as KubeObject;
    },

    async recordEvent(policy, type, reason, message) {
      // Cluster-scoped objects' Events live in "default", where kubectl describe looks for them.
      const namespace = 'default';
      const now = new Date();
      const body: k8s.CoreV1Event = {
        metadata: { name: `${policy.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: {
          apiVersion: policy.apiVersion,
          kind: policy.kind,
          name: policy.metadata.name,
          ...(policy.metadata.uid === undefined ? {} : { uid: policy.metadata.uid }),
        },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: 'bulkhead' },
        reportingComponent: 'bulkhead.dev/controller',
        reportingInstance: clients.identity,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      await kubeCall({ verb: 'create', kind: 'Event', namespace }, () => clients.core.createNamespacedEvent({ namespace, body }));
    },
  };
}
