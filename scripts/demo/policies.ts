/**
 * The demo's policies: applies sample AgentPolicies as an admin would, waits for each to be Ready, and lists what
 * the operator made of it (every object labelled with the policy's name, across the kinds of the resource table).
 */
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { policyLabel } from '../../src/api/v1alpha1/well-known.ts';
import { resourceTable } from '../../src/envelope/resource-table.ts';

export interface PolicyOutcome {
  readonly name: string;
  readonly namespace: string;
  readonly ready: boolean;
  readonly reason: string;
  readonly seconds: number;
  /** "Kind name" of each object of its envelope. */
  readonly objects: readonly string[];
}

const coordinates = { group: 'bulkhead.dev', version: 'v1alpha1', plural: 'agentpolicies' };

interface Stored {
  metadata: { name: string; generation?: number };
  spec?: { sandbox?: { runtimeClass?: { name?: string } } };
  status?: { observedGeneration?: number; namespace?: string; conditions?: { type: string; status: string; reason: string }[] };
}

export async function applyPolicies(kc: k8s.KubeConfig, files: readonly string[]): Promise<string[]> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const policy = doc.toJS() as k8s.KubernetesObject | null;
      if (policy === null) continue;
      await api.create(policy);
      names.push(policy.metadata?.name ?? '');
    }
  }
  return names;
}

export async function waitForPolicy(kc: k8s.KubeConfig, name: string, since: number, timeoutMs = 60_000): Promise<PolicyOutcome> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  let policy: Stored | undefined;
  for (;;) {
    policy = (await custom.getClusterCustomObject({ ...coordinates, name })) as Stored;
    const ready = policy.status?.conditions?.find((c) => c.type === 'Ready');
    const current = policy.status?.observedGeneration === policy.metadata.generation;
    if ((current && ready?.status === 'True') || Date.now() > deadline) {
      const namespace = policy.status?.namespace ?? '';
      return {
        name,
        namespace,
        ready: current && ready?.status === 'True',
        reason: ready?.reason ?? 'NoStatus',
        seconds: (Date.now() - since) / 1000,
        objects: [...(await envelopeOf(kc, name)), ...(await sharedRuntimeClass(kc, policy))],
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every object labelled as this policy's, by kind in apply order. */
async function envelopeOf(kc: k8s.KubeConfig, policy: string): Promise<string[]> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const found: string[] = [];
  for (const kind of resourceTable) {
    try {
      const list = await api.list(kind.apiVersion, kind.kind, undefined, undefined, undefined, undefined, undefined, `${policyLabel}=${policy}`);
      for (const item of list.items) found.push(`${kind.kind} ${item.metadata?.name ?? '?'}`);
    } catch (error) {
      // A kind this cluster does not serve (SealedSecret without its controller) holds nothing.
      if (!(error instanceof k8s.ApiException && error.code === 404)) throw error;
    }
  }
  return found;
}

/** The RuntimeClass the policy runs on: shared by every policy naming it, so labelled with none of them. */
async function sharedRuntimeClass(kc: k8s.KubeConfig, policy: Stored): Promise<string[]> {
  const name = policy.spec?.sandbox?.runtimeClass?.name ?? 'gvisor';
  try {
    await kc.makeApiClient(k8s.NodeV1Api).readRuntimeClass({ name });
    return [`RuntimeClass ${name} (shared)`];
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 404) return [];
    throw error;
  }
}

/** "NetworkPolicy bulkhead-default-deny, bulkhead-dns; Role bulkhead-agent; ..." */
export function describeEnvelope(objects: readonly string[]): string {
  const byKind = new Map<string, string[]>();
  for (const object of objects) {
    const [kind = '', ...name] = object.split(' ');
    byKind.set(kind, [...(byKind.get(kind) ?? []), name.join(' ')]);
  }
  return [...byKind].map(([kind, names]) => `${kind} ${names.join(', ')}`).join('; ');
}
