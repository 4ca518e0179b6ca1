/**
 * The controller's periodic isolation audit: the same evaluation as `bulkhead audit`, without SubjectAccessReviews,
 * over one snapshot of the cluster per run.
 *
 * Why periodic and not per event: finding a widening means watching objects Bulkhead does not label (any
 * RoleBinding, ClusterRoleBinding, NetworkPolicy, pod or Secret), and cluster-wide watches of pods and secrets would
 * need the operator to read every Secret in the cluster. A run costs one list per kind (cluster-wide for bindings,
 * roles, NetworkPolicies, namespaces and admission objects) plus, per agent namespace, one list of pods and one of
 * secret metadata, where the operator's audit role is bound and nowhere else; the evaluation of hundreds of
 * policies takes milliseconds (npm run bench). Every `intervalMs` (default 60 s), and soon after a policy appears.
 * A policy whose findings changed is enqueued; the reconciler reads them into the Isolated condition.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { Finding } from '../audit/finding.ts';
import { indexAuditObjects } from '../audit/index.ts';
import { selectPolicies } from '../audit/policies.ts';
import { isolationFindings } from '../audit/report.ts';
import type { OperatorConfig } from '../config.ts';
import { readAuditSnapshot } from '../kube/audit-snapshot.ts';
import type { KubeClients } from '../kube/client.ts';
import { emptyAuditObjects } from '../audit/objects.ts';
import { isolationObservation, wideningsByKind, type IsolationState } from './isolation.ts';
import type { Observed } from './conditions.ts';

export interface IsolationAuditOptions {
  readonly clients: KubeClients;
  readonly config: OperatorConfig;
  readonly log: Logger;
  /** The AgentPolicies as cached: which namespaces to read pods and secrets in. */
  readonly policies: () => readonly KubernetesObject[];
  /** A policy's findings changed: enqueue it. */
  readonly changed: (policyName: string) => void;
  /** After each run: widenings by kind of object, across every policy. */
  readonly counted: (byKind: Record<string, number>) => void;
  readonly intervalMs?: number;
  /** How soon after `requestSoon` a run starts (several requests share it). */
  readonly soonMs?: number;
}

export class IsolationAudit {
  readonly #options: IsolationAuditOptions;
  readonly #states = new Map<string, IsolationState>();
  #interval: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  /** Delay of the next retry while some policy could not be audited (a new namespace's RoleBinding not yet in effect). */
  #retryMs: number | undefined;

  constructor(options: IsolationAuditOptions) {
    this.#options = options;
  }

  start(): void {
    this.#interval = setInterval(() => this.#trigger(), this.#options.intervalMs ?? 60_000);
    this.#interval.unref();
    this.#trigger();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#interval);
    clearTimeout(this.#soon);
    await this.#running;
  }

  /** The Isolated condition of one policy from the last run; undefined before any run covered it. */
  observation(policyName: string): Observed | undefined {
    const state = this.#states.get(policyName);
    return state === undefined ? undefined : isolationObservation(state);
  }

  /** Whether the last run audited this policy. */
  covers(policyName: string): boolean {
    const state = this.#states.get(policyName);
    return state !== undefined && 'findings' in state;
  }

  /** A run soon, shared by every request until it starts (a new policy should not wait a whole interval). */
  requestSoon(delayMs = this.#options.soonMs ?? 1_000): void {
    if (this.#soon !== undefined || this.#stopped) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.#trigger();
    }, delayMs);
    this.#soon.unref();
  }

  #trigger(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.#trigger();
      }
    });
  }

  async #run(): Promise<void> {
    const { config, log } = this.#options;
    const next = new Map<string, IsolationState>();
    try {
      // Scope pods and secrets to the agent namespaces of the cached policies (defaults applied by validation).
      const cached = selectPolicies(this.#options.policies(), [], emptyAuditObjects, config).valid;
      const snapshot = await readAuditSnapshot(this.#options.clients, { namespaces: [...new Set(cached.map(agentNamespaceName))] });
      const index = indexAuditObjects(snapshot.objects);
      const selected = selectPolicies(snapshot.policies, [], snapshot.objects, config);
      for (const policy of selected.valid) {
        const namespace = agentNamespaceName(policy);
        next.set(
          policy.metadata.name,
          snapshot.unreadable.includes(namespace)
            ? { problem: `pods and secrets in ${namespace} cannot be listed yet (the operator's audit RoleBinding is not in effect)` }
            : { findings: isolationFindings(policy, config, index) },
        );
      }
    } catch (error) {
      log.warn({ err: error }, 'isolation audit failed; policies report Isolated=Unknown until the next run');
      const problem = `the isolation audit could not read the cluster: ${error instanceof Error ? error.message : String(error)}`;
      for (const policy of this.#options.policies()) next.set(policy.metadata?.name ?? '', { problem });
    }
    if (this.#stopped) return;
    const before = this.#states;
    for (const [name, state] of next) {
      if (JSON.stringify(before.get(name)) !== JSON.stringify(state)) this.#options.changed(name);
    }
    this.#states.clear();
    for (const [name, state] of next) this.#states.set(name, state);
    const findings: (readonly Finding[])[] = [...next.values()].flatMap((s) => ('findings' in s ? [s.findings] : []));
    this.#options.counted(wideningsByKind(findings));
    // A policy that could not be audited is retried soon, backing off (1 s doubling) up to the interval.
    if (findings.length < next.size) {
      const interval = this.#options.intervalMs ?? 60_000;
      this.#retryMs = Math.min(interval, this.#retryMs === undefined ? (this.#options.soonMs ?? 1_000) : this.#retryMs * 2);
      this.requestSoon(this.#retryMs);
    } else {
      this.#retryMs = undefined;
    }
  }
}
