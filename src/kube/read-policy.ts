/** One live read of an AgentPolicy, for commands that take `--policy NAME` instead of a file. */
import type { KubeConfig } from '@kubernetes/client-node';
import { group, kind, plural, version } from '../api/v1alpha1/well-known.ts';
import { makeKubeClients } from './client.ts';
import { kubeCall } from './errors.ts';

/** The stored AgentPolicy, unvalidated; a missing one is a KubeApiError with category NotFound. */
export async function readAgentPolicy(kubeConfig: KubeConfig, name: string): Promise<unknown> {
  return kubeCall({ verb: 'get', kind, name }, () =>
    makeKubeClients(kubeConfig).customObjects.getClusterCustomObject({ group, version, plural, name }),
  );
}
