/**
 * Writes sent the way kubectl sends them: with fieldValidation=Strict, so a field the schema does not know is an
 * error instead of a warning (and a silently pruned field). Tests that prove the API server accepts an object use
 * these, or a misspelt field in a generated object would pass unnoticed.
 */
import * as k8s from '@kubernetes/client-node';
import { group, plural, version } from '../../src/api/v1alpha1/well-known.ts';
import type { PolicyDocument } from './samples.ts';

const writeMethods = new Set<string>([k8s.HttpMethod.POST, k8s.HttpMethod.PUT, k8s.HttpMethod.PATCH]);

/** A KubernetesObjectApi (any kind, resolved by discovery) whose every write carries fieldValidation=Strict. */
export function strictObjectApi(kc: k8s.KubeConfig): k8s.KubernetesObjectApi {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  // KubernetesObjectApi has no fieldValidation parameter; a request middleware adds it (reads are left alone).
  const configuration = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (context) => {
          if (writeMethods.has(context.getHttpMethod())) context.setQueryParam('fieldValidation', 'Strict');
          return context;
        },
        post: async (response) => response,
      },
    ],
  });
  return new k8s.KubernetesObjectApi(configuration);
}

const policies = { group, version, plural };

/** An AgentPolicy as the API server returns it: defaulted, with the metadata it assigned. */
export interface StoredPolicy extends PolicyDocument {
  metadata: PolicyDocument['metadata'] & { uid: string; resourceVersion: string; generation: number };
}

/** Creates an AgentPolicy with strict field validation (a server-side dry run when `dryRun`); resolves to it as stored. */
export async function createPolicy(api: k8s.CustomObjectsApi, body: PolicyDocument, options: { dryRun?: boolean } = {}): Promise<StoredPolicy> {
  return (await api.createClusterCustomObject({
    ...policies,
    body,
    fieldValidation: 'Strict',
    ...(options.dryRun === true ? { dryRun: 'All' } : {}),
  })) as StoredPolicy;
}

/** Deletes AgentPolicies by name; one already gone is fine. */
export async function deletePolicies(api: k8s.CustomObjectsApi, names: readonly string[]): Promise<void> {
  await Promise.all(
    names.map((name) =>
      api.deleteClusterCustomObject({ ...policies, name }).catch((error: unknown) => {
        if (!(error instanceof k8s.ApiException && error.code === 404)) throw error;
      }),
    ),
  );
}
