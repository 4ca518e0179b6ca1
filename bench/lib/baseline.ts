/**
 * The limit: the same objects the operator writes for N policies, written by the simplest possible client (server-side
 * apply of each object in apply order, one policy per worker, as many workers as the operator's default concurrency,
 * no caches, no status, no finalizer, no Events), as the operator's own ServiceAccount, on the same control plane.
 * Efficiency = this time / the operator's convergence time.
 */
import type * as k8s from '@kubernetes/client-node';
import type { DesiredObject } from '../../src/desired/desired-state.ts';
import { serverSideApply, type ApplyObject } from '../../src/kube/apply.ts';
import { makeKubeClients } from '../../src/kube/client.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { mutatingMethods } from './prometheus.ts';

export interface BaselineResult {
  readonly seconds: number;
  readonly objects: number;
  readonly requests: number;
  readonly mutating: number;
  /** Requests repeated after a 403 (a fresh RoleBinding not yet in effect), a 409, a 429 or a 5xx. */
  readonly retries: number;
}

const retryDelayMs = 250;
const maxAttempts = 40;

/**
 * The operator retries the same way: a Role right after the RoleBinding that lets it write one may be refused until
 * the authorizer sees the binding (pitfalls.md).
 */
function retryable(error: unknown): boolean {
  return error instanceof KubeApiError && error.retryable;
}

export async function writeBaseline(
  operator: k8s.KubeConfig,
  envelopes: { shared: readonly DesiredObject[]; perPolicy: readonly (readonly DesiredObject[])[] },
  concurrency: number,
  fieldManager: string,
  progress: (done: number) => void,
): Promise<BaselineResult> {
  let requests = 0;
  let mutating = 0;
  let retries = 0;
  const clients = makeKubeClients(operator, {
    observe: (method) => {
      requests++;
      if (mutatingMethods.has(method)) mutating++;
    },
  });
  const apply = async (object: DesiredObject): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await serverSideApply(clients.objects, object as unknown as ApplyObject, { fieldManager });
        return;
      } catch (error) {
        if (!retryable(error) || attempt >= maxAttempts) throw error;
        retries++;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      }
    }
  };
  const start = performance.now();
  for (const object of envelopes.shared) await apply(object);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < envelopes.perPolicy.length; i = next++) {
      for (const object of envelopes.perPolicy[i] ?? []) await apply(object);
      progress(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const objects = envelopes.shared.length + envelopes.perPolicy.reduce((n, p) => n + p.length, 0);
  return { seconds, objects, requests, mutating, retries };
}
