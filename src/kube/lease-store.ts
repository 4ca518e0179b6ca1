/**
 * The real LeaseStore: one coordination.k8s.io/v1 Lease through CoordinationV1Api; updates are replaces carrying the
 * observed resourceVersion, so two candidates cannot both win (the loser gets 409, a LeaseConflictError).
 */
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { LeaseConflictError, type LeaseRecord, type LeaseStore, type StoredLease } from '../controller/leader-election.ts';
import { KubeApiError, kubeCall } from './errors.ts';
import { withSignal } from './request-signal.ts';

const within = <T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> => (signal === undefined ? call() : withSignal(signal, call));

export function kubeLeaseStore(api: CoordinationV1Api, namespace: string, name: string): LeaseStore {
  const request = (verb: string) => ({ verb, kind: 'Lease', namespace, name });
  const conflictsAsLeaseConflict = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof KubeApiError && (error.category === 'Conflict' || error.category === 'AlreadyExists')) {
        throw new LeaseConflictError(error.message, { cause: error });
      }
      throw error;
    }
  };
  return {
    async get(signal) {
      try {
        return fromLease(await kubeCall(request('get'), () => within(signal, () => api.readNamespacedLease({ name, namespace }))));
      } catch (error) {
        if (error instanceof KubeApiError && error.category === 'NotFound') return undefined;
        throw error;
      }
    },
    create: (record, signal) =>
      conflictsAsLeaseConflict(async () =>
        fromLease(
          await kubeCall(request('create'), () => within(signal, () => api.createNamespacedLease({ namespace, body: toLease(name, namespace, record) }))),
        ),
      ),
    update: (record, resourceVersion, signal) =>
      conflictsAsLeaseConflict(async () =>
        fromLease(
          await kubeCall(request('update'), () =>
            within(signal, () => api.replaceNamespacedLease({ name, namespace, body: toLease(name, namespace, record, resourceVersion) })),
          ),
        ),
      ),
  };
}

export function toLease(name: string, namespace: string, record: LeaseRecord, resourceVersion?: string): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion !== undefined ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      acquireTime: new V1MicroTime(record.acquireTime),
      renewTime: new V1MicroTime(record.renewTime),
      leaseTransitions: record.leaseTransitions,
    },
  };
}

export function fromLease(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  const time = (value: Date | string | undefined): number => (value === undefined ? 0 : new Date(value).getTime());
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: time(spec.acquireTime),
    renewTime: time(spec.renewTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}
