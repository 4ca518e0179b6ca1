/**
 * One policy's audit: what its desired state says (desiredState, pure) against what the cluster holds (the index),
 * per aspect, each finding expected or a widening naming its cause. `isolationFindings` is the controller's view of
 * the same evaluation: only the widenings, no SubjectAccessReviews.
 */
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { desiredState } from '../desired/desired-state.ts';
import { findingReasons, isWidening, type Finding, type FindingReason } from './finding.ts';
import { evaluateIdentity, type AccessDecisions, type IdentityView } from './identity.ts';
import type { AuditIndex } from './index.ts';
import { evaluateNetwork, summariseNetwork, type NetworkView } from './network.ts';
import { answerQuery, type NetworkQuery, type QueryAnswer } from './network-query.ts';
import type { Binding, NetworkPolicy, Obj } from './objects.ts';
import { evaluateRuntime } from './runtime.ts';
import { evaluateSecrets } from './secrets.ts';

export interface AuditContext {
  readonly config: OperatorConfig;
  readonly index: AuditIndex;
  /** SubjectAccessReview answers per policy name; without them the access matrix shows only what is expected. */
  readonly decisions?: ReadonlyMap<string, AccessDecisions>;
  readonly query?: NetworkQuery;
}

export interface PolicyAudit {
  readonly policy: string;
  readonly namespace: string;
  readonly network: NetworkView & { readonly summary: string };
  readonly identity: IdentityView;
  readonly runtime: readonly Finding[];
  readonly secrets: readonly Finding[];
  /** Every finding, network first. */
  readonly findings: readonly Finding[];
  readonly widenings: number;
  readonly query?: QueryAnswer;
}

const ofKind = <T extends Obj>(objects: readonly Obj[], kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];

export function auditPolicy(policy: AgentPolicy, context: AuditContext): PolicyAudit {
  const { config, index } = context;
  const namespace = agentNamespaceName(policy);
  const desired = desiredState(policy, config, { offline: true }) as unknown as Obj[];
  const network = evaluateNetwork(namespace, index.networkPolicies(namespace), ofKind<NetworkPolicy>(desired, 'NetworkPolicy'));
  const identity = evaluateIdentity(
    index,
    namespace,
    policy.spec.rbac.serviceAccountName,
    ofKind<Binding>(desired, 'RoleBinding'),
    context.decisions?.get(policy.metadata.name),
  );
  const runtime = evaluateRuntime(
    {
      policy,
      config,
      namespace,
      desiredNamespace: ofKind(desired, 'Namespace')[0] ?? { metadata: { name: namespace } },
    },
    index,
  );
  const secrets = evaluateSecrets(namespace, policy.spec.secrets.map((s) => s.name), index);
  const findings = [...network.findings, ...identity.findings, ...runtime, ...secrets];
  const query = context.query === undefined ? undefined : answerQuery(network, context.query, (ns) => index.namespace(ns)?.metadata.labels);
  return {
    policy: policy.metadata.name,
    namespace,
    network: { ...network, summary: summariseNetwork(network) },
    identity,
    runtime,
    secrets,
    findings,
    widenings: findings.filter(isWidening).length,
    ...(query === undefined ? {} : { query }),
  };
}

/**
 * What the controller's Isolated condition reports: widenings caused by objects Bulkhead did not make. A missing or
 * changed envelope object (namespace labels, the default deny, the RuntimeClass, the admission binding) is reported
 * by the other conditions and repaired by the reconciler, so it is left out here.
 */
export const foreignReasons: readonly FindingReason[] = [
  findingReasons.foreignBinding,
  findingReasons.foreignNetworkPolicy,
  findingReasons.unsandboxedPod,
  findingReasons.foreignSecret,
];

/** The controller's view: the foreign widenings of one policy's envelope, from the same evaluation as `bulkhead audit`. */
export function isolationFindings(policy: AgentPolicy, config: OperatorConfig, index: AuditIndex): Finding[] {
  return auditPolicy(policy, { config, index }).findings.filter((f) => isWidening(f) && foreignReasons.includes(f.reason));
}
