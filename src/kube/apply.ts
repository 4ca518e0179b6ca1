/**
 * Writes, wrapped once: server-side apply as field manager "bulkhead" with force, and deletes guarded by a UID
 * precondition. Every error leaves as a `KubeApiError` naming the object.
 */
import { PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { kubeCall, KubeApiError } from './errors.ts';
import { usePlainJson } from './raw-serialization.ts';

export const fieldManager = 'bulkhead';

/** The part of client-node's KubernetesObjectApi these helpers use. */
export type ObjectWriter = Pick<KubernetesObjectApi, 'patch' | 'delete' | 'replace' | 'create'>;

export interface ApplyObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [field: string]: unknown };
  readonly [field: string]: unknown;
}

const serverOwnedMetadata = [
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/**
 * Pure: what is sent for `desired`: a copy without status and without server-owned metadata (an apply must never
 * carry resourceVersion: it would turn into an optimistic-concurrency precondition).
 */
export function applyPayload<T extends ApplyObject>(desired: T): T {
  const { status: _status, ...body } = desired as T & { status?: unknown };
  const metadata: Record<string, unknown> = { ...desired.metadata };
  for (const field of serverOwnedMetadata) delete metadata[field];
  return { ...body, metadata } as unknown as T;
}

export interface ApplyOptions {
  /** Server-side dry run: validate and default without persisting. */
  readonly dryRun?: boolean;
  /** Default "bulkhead"; a shared object is applied by each policy as its own manager (see apply-envelope.ts). */
  readonly fieldManager?: string;
}

/** Server-side apply `desired` with force; resolves to the object as stored. */
export async function serverSideApply<T extends ApplyObject>(api: ObjectWriter, desired: T, options: ApplyOptions = {}): Promise<T> {
  usePlainJson(desired.apiVersion, desired.kind);
  const request = { verb: 'apply', kind: desired.kind, namespace: desired.metadata.namespace, name: desired.metadata.name };
  const result = await kubeCall(request, () =>
    api.patch(
      applyPayload(desired) as unknown as KubernetesObject,
      undefined,
      options.dryRun === true ? 'All' : undefined,
      options.fieldManager ?? fieldManager,
      true,
      PatchStrategy.ServerSideApply,
    ),
  );
  return result as unknown as T;
}

/**
 * Create only: the server refuses (409 AlreadyExists) when an object of that name exists, so an object someone else
 * made is never taken over by an apply that would have merged into it.
 */
export async function createNew<T extends ApplyObject>(api: ObjectWriter, object: T, manager = fieldManager): Promise<T> {
  usePlainJson(object.apiVersion, object.kind);
  const request = { verb: 'create', kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
  const result = await kubeCall(request, () => api.create(applyPayload(object) as unknown as KubernetesObject, undefined, undefined, manager));
  return result as unknown as T;
}

/**
 * Update (PUT) of the whole object, guarded by the resourceVersion it carries: the server refuses (409 Conflict) when
 * the object changed since it was read, so a repair is never based on a stale copy. managedFields is left out, so
 * the server keeps every manager's record.
 */
export async function replaceObserved<T extends ApplyObject>(api: ObjectWriter, object: T, manager = fieldManager): Promise<T> {
  if (typeof object.metadata['resourceVersion'] !== 'string' || object.metadata['resourceVersion'] === '') {
    throw new TypeError(`refusing to update ${object.kind} ${object.metadata.name} without a resourceVersion`);
  }
  usePlainJson(object.apiVersion, object.kind);
  // managedFields is sent only to reset it ([{}], see drift.ts); otherwise the server keeps every manager's record.
  const { managedFields, ...rest } = object.metadata;
  const reset = Array.isArray(managedFields) && managedFields.length === 1 && Object.keys(managedFields[0] as object).length === 0;
  const metadata = reset ? { ...rest, managedFields } : rest;
  const request = { verb: 'update', kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
  const result = await kubeCall(request, () =>
    api.replace({ ...object, metadata } as unknown as KubernetesObject, undefined, undefined, manager),
  );
  return result as unknown as T;
}

export interface DeleteTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly uid: string };
}

export type DeleteOutcome = 'deleted' | 'gone';

/**
 * Delete exactly the object that was observed: the UID precondition makes the server refuse (409 Conflict) when the
 * name now belongs to a different object, one Bulkhead may not own. Background propagation lets garbage collection
 * remove dependents. An object already gone is not an error.
 */
export async function deleteObserved(api: ObjectWriter, target: DeleteTarget): Promise<DeleteOutcome> {
  if (target.metadata.uid === '') throw new TypeError(`refusing to delete ${target.kind} ${target.metadata.name} without a UID`);
  usePlainJson(target.apiVersion, target.kind);
  const request = { verb: 'delete', kind: target.kind, namespace: target.metadata.namespace, name: target.metadata.name };
  const header: KubernetesObject = {
    apiVersion: target.apiVersion,
    kind: target.kind,
    metadata: { name: target.metadata.name, ...(target.metadata.namespace ? { namespace: target.metadata.namespace } : {}) },
  };
  try {
    await kubeCall(request, () =>
      api.delete(header, undefined, undefined, undefined, undefined, undefined, {
        propagationPolicy: 'Background',
        preconditions: { uid: target.metadata.uid },
      }),
    );
    return 'deleted';
  } catch (error) {
    if (error instanceof KubeApiError && error.category === 'NotFound') return 'gone';
    throw error;
  }
}
