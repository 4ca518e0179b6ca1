/**
 * Runs the real operator inside the test process, as its own least-privilege ServiceAccount (a TokenRequest token,
 * not the admin), against the shared control plane; plus helpers to drive AgentPolicies and wait on their status.
 */
import * as k8s from '@kubernetes/client-node';
import { defaultOperatorConfig } from '../../src/config.ts';
import { startManager, type LeaderElectionSettings, type RunningManager } from '../../src/controller/manager.ts';
import { Metrics } from '../../src/observability/controller-metrics.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import { usePlainJson } from '../../src/kube/raw-serialization.ts';
import { eventually } from './cluster.ts';
import { installBulkhead, operatorKubeConfig, type InstallOptions } from './install.ts';

export interface TestOperator extends RunningManager {
  readonly metrics: Metrics;
  /** Reconciles finished so far (any outcome). */
  reconciles(): number;
}

export interface StartOperatorOptions extends InstallOptions {
  readonly leaderElection?: LeaderElectionSettings;
  readonly resyncMs?: number;
  readonly auditIntervalMs?: number;
  readonly kindDiscoveryMs?: number;
  /** Where the operator logs (default: silent, or BULKHEAD_TEST_LOG's level on stdout); tests that read logs pass one. */
  readonly log?: Logger;
  /** The operator's identity (default: a fresh token of its ServiceAccount); tests that must know the token pass it. */
  readonly kubeConfig?: k8s.KubeConfig;
}

/** Installs Bulkhead's cluster pieces and starts an operator; BULKHEAD_TEST_LOG=debug shows its logs. */
export async function startTestOperator(admin: k8s.KubeConfig, options: StartOperatorOptions = {}): Promise<TestOperator> {
  await installBulkhead(admin, options);
  const metrics = new Metrics();
  const manager = await startManager({
    kubeConfig: options.kubeConfig ?? (await operatorKubeConfig(admin)),
    config: defaultOperatorConfig,
    log: options.log ?? createLogger({ level: process.env['BULKHEAD_TEST_LOG'] ?? 'silent' }),
    metrics,
    healthPort: 0,
    concurrency: 2,
    ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }),
    ...(options.auditIntervalMs === undefined ? {} : { auditIntervalMs: options.auditIntervalMs }),
    ...(options.kindDiscoveryMs === undefined ? {} : { kindDiscoveryMs: options.kindDiscoveryMs }),
    ...(options.leaderElection === undefined ? {} : { leaderElection: options.leaderElection }),
  });
  const reconciles = (): number =>
    ['success', 'error', 'requeue', 'requeue_after'].reduce(
      (sum, result) => sum + metrics.reconcileTotal.get({ controller: 'agentpolicy', result }),
      0,
    );
  return Object.assign(manager, { metrics, reconciles });
}

export interface StoredPolicy {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid: string; generation: number; resourceVersion: string; finalizers?: string[] };
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    namespace?: string;
    conditions?: { type: string; status: string; reason: string; message: string; observedGeneration?: number }[];
  };
}

const coordinates = { group: 'bulkhead.dev', version: 'v1alpha1', plural: 'agentpolicies' };

export class PolicyClient {
  readonly #api: k8s.CustomObjectsApi;

  constructor(admin: k8s.KubeConfig) {
    this.#api = admin.makeApiClient(k8s.CustomObjectsApi);
  }

  async create(name: string, spec: Record<string, unknown>): Promise<StoredPolicy> {
    const body = { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name }, spec };
    return (await this.#api.createClusterCustomObject({ ...coordinates, body })) as StoredPolicy;
  }

  async get(name: string): Promise<StoredPolicy | undefined> {
    try {
      return (await this.#api.getClusterCustomObject({ ...coordinates, name })) as StoredPolicy;
    } catch (error) {
      if (error instanceof k8s.ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /** JSON merge patch of the spec. */
  async patchSpec(name: string, spec: Record<string, unknown>): Promise<StoredPolicy> {
    return (await this.#api.patchClusterCustomObject(
      { ...coordinates, name, body: { spec } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as StoredPolicy;
  }

  async delete(name: string): Promise<void> {
    await this.#api.deleteClusterCustomObject({ ...coordinates, name });
  }

  async waitGone(name: string, timeoutMs = 60_000): Promise<void> {
    await eventually(`AgentPolicy ${name} to be gone`, async () => ((await this.get(name)) === undefined ? true : undefined), timeoutMs);
  }

  /** Waits until status reflects the current generation and the condition has the given status (and reason). */
  async waitCondition(name: string, type: string, status: string, reason?: string, timeoutMs = 60_000): Promise<StoredPolicy> {
    return eventually(
      `AgentPolicy ${name} ${type}=${status}${reason === undefined ? '' : ` (${reason})`}`,
      async () => {
        const policy = await this.get(name);
        if (policy === undefined || policy.status?.observedGeneration !== policy.metadata.generation) return undefined;
        const condition = policy.status.conditions?.find((c) => c.type === type);
        if (condition?.status !== status || (reason !== undefined && condition.reason !== reason)) return undefined;
        return policy;
      },
      timeoutMs,
    );
  }

  waitReady(name: string, timeoutMs?: number): Promise<StoredPolicy> {
    return this.waitCondition(name, 'Ready', 'True', undefined, timeoutMs);
  }
}

/** Reads any object as the admin, or undefined when it does not exist. */
export async function readObject(
  admin: k8s.KubeConfig,
  ref: { apiVersion: string; kind: string; name: string; namespace?: string },
): Promise<(k8s.KubernetesObject & Record<string, unknown>) | undefined> {
  const api = k8s.KubernetesObjectApi.makeApiClient(admin);
  usePlainJson(ref.apiVersion, ref.kind); // client-node's models would rename fields (NetworkPolicy `from`)
  try {
    return (await api.read({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) },
    })) as k8s.KubernetesObject & Record<string, unknown>;
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 404) return undefined;
    throw error;
  }
}
