/**
 * The controller's isolation audit: the same evaluation as `bulkhead audit` (without SubjectAccessReviews), run for
 * one policy at a time inside its reconcile pass, over an index the informers keep current.
 *
 * What can widen an envelope from outside, and how each is seen:
 * - bindings naming the agent, NetworkPolicies in its namespace, the roles they grant: cluster-wide informers
 *   (isolation-informers.ts), so a foreign binding or NetworkPolicy wakes the policies it concerns within a second,
 *   with no request at rest;
 * - pods and Secrets in the agent namespace: listed per namespace (one request each, as metadata only for Secrets),
 *   where the operator's audit role is bound and nowhere else. Watching them would need either one watch per agent
 *   namespace (a connection each over HTTP/1.1) or the right to read every Secret in the cluster. They are listed
 *   when a pass first needs them, and again when the namespace's census quota (envelope/census.ts) counts other
 *   numbers than the listing: a pod or Secret came or went (controllers.ts drops the listing and wakes the policy).
 *   A sweep lists every agent namespace's Secret metadata again as a safety net (a Secret edited in place changes no
 *   count; the fields of a pod the audit reads cannot change once it exists, and its finishing is counted): each at
 *   most every `intervalMs` (default 1 hour) and at most one namespace every `minPaceMs` (15 s), so the sweep costs
 *   at most 4 requests a minute however many policies there are.
 * Agent pods are denied at admission in Enforce mode anyway; the listing catches what admission let through (Audit
 * mode, pods older than the policy) and Secrets written by hand.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { Finding } from '../audit/finding.ts';
import type { IncrementalAuditIndex } from '../audit/incremental-index.ts';
import type { Pod, SecretMeta } from '../audit/objects.ts';
import { isolationFindings } from '../audit/report.ts';
import type { OperatorConfig } from '../config.ts';
import type { Observed } from './conditions.ts';
import { isolationObservation, wideningsByKind } from './isolation.ts';

/** Pods and secret metadata of one namespace, or 'forbidden' while the operator's audit RoleBinding is not in effect. */
export type NamespaceContents = { readonly pods: readonly Pod[]; readonly secrets: readonly SecretMeta[] } | 'forbidden';

export interface IsolationAuditOptions {
  readonly config: OperatorConfig;
  readonly log: Logger;
  readonly index: IncrementalAuditIndex;
  /** Lists one namespace's pods and secret metadata (src/kube/audit-snapshot.ts). */
  readonly readNamespace: (namespace: string) => Promise<NamespaceContents>;
  /** Lists one namespace's secret metadata only (the sweep). */
  readonly readSecrets: (namespace: string) => Promise<readonly SecretMeta[] | 'forbidden'>;
  /** The agent namespaces of the cached policies, by namespace: which to list in a sweep, and whom to wake. */
  readonly agentNamespaces: () => ReadonlyMap<string, string>;
  /** A policy's pods or secrets changed: enqueue it. */
  readonly changed: (policyName: string) => void;
  /** Widenings by kind of object, across every policy (bulkhead_envelope_widenings). */
  readonly counted: (byKind: Record<string, number>) => void;
  /** How often each agent namespace's pods and secrets are listed again by the sweep, at most (default 1 hour). */
  readonly intervalMs?: number;
  /** The sweep lists at most one namespace this often (default 15 s). */
  readonly minPaceMs?: number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface IsolationObserved {
  readonly observed: Observed;
  /** Look again after this long: the namespace could not be listed yet. */
  readonly recheckAfterMs?: number;
}

/** A new namespace's audit RoleBinding takes a moment to reach the authorizer: retry within the pass this long. */
const forbiddenRetriesMs = [50, 100, 200, 400, 800];
const recheckMs = 2_000;
const defaultIntervalMs = 3_600_000;

export class IsolationAudit {
  readonly #options: IsolationAuditOptions;
  /** Findings of each policy's last pass, for the widenings gauge. */
  readonly #findings = new Map<string, readonly Finding[]>();
  /** One listing per namespace at a time: a pass and the sweep share it. */
  readonly #listing = new Map<string, Promise<NamespaceContents>>();
  /** Widenings by kind across every policy's last findings. */
  readonly #counts: Record<string, number> = {};
  #sweeping: Promise<void> | undefined;
  #stopped = false;
  readonly #stopping = new AbortController();

  constructor(options: IsolationAuditOptions) {
    this.#options = options;
  }

  /** The Isolated condition of one policy now; lists its namespace first if no listing is known yet. */
  async observe(policy: AgentPolicy): Promise<IsolationObserved> {
    const namespace = agentNamespaceName(policy);
    const { index, config } = this.#options;
    if (!index.hasNamespaceContents(namespace)) {
      let contents = await this.#list(namespace);
      for (const delay of forbiddenRetriesMs) {
        if (contents !== 'forbidden' || this.#stopped) break;
        await (this.#options.sleep ?? sleep)(delay);
        contents = await this.#list(namespace);
      }
      if (contents === 'forbidden') {
        const problem = `pods and secrets in ${namespace} cannot be listed yet (the operator's audit RoleBinding is not in effect)`;
        return { observed: isolationObservation({ problem }), recheckAfterMs: recheckMs };
      }
    }
    const findings = isolationFindings(policy, config, index);
    this.#record(policy.metadata.name, findings);
    return { observed: isolationObservation({ findings }) };
  }

  /** A policy is gone: forget its findings and its namespace's listing. */
  forget(policyName: string, namespace: string | undefined): void {
    this.#record(policyName, undefined);
    if (namespace !== undefined) this.#options.index.forgetNamespace(namespace);
  }

  /** Sweeps after each interval, one sweep at a time (a slow sweep delays the next rather than overlapping it). */
  start(): void {
    const interval = this.#options.intervalMs ?? defaultIntervalMs;
    const wait = this.#options.sleep ?? sleep;
    this.#sweeping = (async () => {
      for (;;) {
        await wait(interval, this.#stopping.signal);
        if (this.#stopped) return;
        await this.#sweep();
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    await this.#sweeping;
  }

  /** Keeps one policy's findings and the widenings gauge, counted incrementally (no scan of every policy per pass). */
  #record(policyName: string, findings: readonly Finding[] | undefined): void {
    const before = this.#findings.get(policyName) ?? [];
    if (findings === undefined) this.#findings.delete(policyName);
    else this.#findings.set(policyName, findings);
    const after = findings ?? [];
    if (before.length === 0 && after.length === 0) return;
    for (const [kind, n] of Object.entries(wideningsByKind([before]))) this.#counts[kind] = (this.#counts[kind] ?? 0) - n;
    for (const [kind, n] of Object.entries(wideningsByKind([after]))) this.#counts[kind] = (this.#counts[kind] ?? 0) + n;
    this.#options.counted({ ...this.#counts });
  }

  /**
   * Lists every agent namespace's secret metadata again, one namespace at a time and paced, so the API server sees a
   * steady trickle rather than a burst; wakes the policies whose secrets changed.
   */
  async #sweep(): Promise<void> {
    const namespaces = [...this.#options.agentNamespaces()];
    const paceMs = Math.max(this.#options.minPaceMs ?? 15_000, (0.8 * (this.#options.intervalMs ?? defaultIntervalMs)) / Math.max(1, namespaces.length));
    for (const [namespace, policyName] of namespaces) {
      if (this.#stopped) return;
      const { index } = this.#options;
      if (!index.hasNamespaceContents(namespace)) continue; // never listed yet: its policy's next pass lists it
      const before = JSON.stringify(index.secrets(namespace));
      try {
        const secrets = await this.#options.readSecrets(namespace);
        if (secrets !== 'forbidden') index.setNamespaceSecrets(namespace, secrets);
        if (JSON.stringify(index.secrets(namespace)) !== before) this.#options.changed(policyName);
      } catch (error) {
        this.#options.log.warn({ err: error, namespace }, 'the isolation audit sweep could not list Secrets');
      }
      await (this.#options.sleep ?? sleep)(paceMs, this.#stopping.signal);
    }
  }

  #list(namespace: string): Promise<NamespaceContents> {
    const inFlight = this.#listing.get(namespace);
    if (inFlight !== undefined) return inFlight;
    const listing = this.#options
      .readNamespace(namespace)
      .then((contents) => {
        if (contents !== 'forbidden') this.#options.index.setNamespaceContents(namespace, contents.pods, contents.secrets);
        return contents;
      })
      .finally(() => this.#listing.delete(namespace));
    this.#listing.set(namespace, listing);
    return listing;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (a stop never waits out a pause). */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, { ref: false, ...(signal === undefined ? {} : { signal }) }).catch(() => undefined);
