/**
 * The agent's runtime: the sandbox RuntimeClass exists with the expected handler; the agent namespace carries the
 * Pod Security and Bulkhead labels and annotations its desired state gives it; the agent-pods admission policy and
 * the binding that applies to the namespace (the policy's own, or the cluster's binding selecting the namespace's
 * enforcement mode) are exactly what Bulkhead installs; and every pod in the namespace runs on the runtime class,
 * as the agent ServiceAccount, outside the host's namespaces (pods admitted before enforcement, or in Audit mode).
 */
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { admissionSpecDifference } from './admission-match.ts';
import { expected, findingReasons, widening, type Finding } from './finding.ts';
import type { AuditIndex } from './index.ts';
import { refOf, type AdmissionObject, type LabelSelector, type Obj, type Pod } from './objects.ts';
import { selectorMatches } from './selectors.ts';

/** Label and annotation prefixes of the namespace that Bulkhead owns and the audit compares. */
const ownedPrefixes = ['pod-security.kubernetes.io/', 'bulkhead.dev/'];

export interface RuntimeInputs {
  readonly policy: AgentPolicy;
  readonly config: OperatorConfig;
  readonly namespace: string;
  /** The namespace object of the desired state. */
  readonly desiredNamespace: Obj;
  /** ValidatingAdmissionPolicyBindings of the desired state (one per policy in the older design; none otherwise). */
  readonly desiredBindings: readonly AdmissionObject[];
  /** clusterManifests(config): the admission policy and the cluster-wide bindings selecting namespaces by mode. */
  readonly clusterObjects: readonly object[];
}

const isKind = (kind: string) => (o: object): o is AdmissionObject => (o as { kind?: string }).kind === kind;

/** The admission objects that must be live for this namespace: the policy, and every binding of it that selects the namespace. */
export function expectedAdmission(inputs: RuntimeInputs): AdmissionObject[] {
  if (inputs.policy.spec.sandbox.enforcement === 'Disabled') return [];
  const name = inputs.config.agentPodsAdmissionPolicyName;
  const vap = inputs.clusterObjects.filter(isKind('ValidatingAdmissionPolicy')).filter((o) => o.metadata.name === name);
  const labels = inputs.desiredNamespace.metadata.labels ?? {};
  const selecting = inputs.clusterObjects.filter(isKind('ValidatingAdmissionPolicyBinding')).filter((b) => {
    const spec = b.spec as { policyName?: string; matchResources?: { namespaceSelector?: LabelSelector } } | undefined;
    const selector = spec?.matchResources?.namespaceSelector;
    return spec?.policyName === name && selector !== undefined && selectorMatches(selector, labels);
  });
  return [...vap, ...inputs.desiredBindings, ...selecting];
}

function checkAdmission(inputs: RuntimeInputs, index: AuditIndex): Finding[] {
  if (inputs.policy.spec.sandbox.enforcement === 'Disabled') {
    return [expected('runtime', 'sandbox.enforcement is Disabled: no admission rules bind agent pods')];
  }
  return expectedAdmission(inputs).map((want) => {
    const kind = want.kind ?? '';
    const ref = refOf(kind, want.metadata);
    const live = kind === 'ValidatingAdmissionPolicy' ? index.admissionPolicy(want.metadata.name) : index.admissionBinding(want.metadata.name);
    if (live === undefined) return widening('runtime', findingReasons.admissionWeakened, ref, 'does not exist: agent pods are not checked by it');
    const difference = admissionSpecDifference(kind, want.spec, live.spec);
    if (difference !== undefined) {
      return widening('runtime', findingReasons.admissionWeakened, ref, `differs from what Bulkhead installs at ${difference}`);
    }
    const actions = (want.spec as { validationActions?: string[] } | undefined)?.validationActions;
    return expected('runtime', `${kind} ${want.metadata.name} in place${actions === undefined ? '' : ` (${actions.join(', ')})`}`, ref);
  });
}

function checkRuntimeClass(inputs: RuntimeInputs, index: AuditIndex): Finding {
  const rc = inputs.policy.spec.sandbox.runtimeClass;
  const ref = { kind: 'RuntimeClass', name: rc.name };
  const live = index.runtimeClass(rc.name);
  if (live === undefined) return widening('runtime', findingReasons.runtimeClassMismatch, ref, 'does not exist');
  if (rc.management === 'Managed' && live.handler !== rc.handler) {
    return widening('runtime', findingReasons.runtimeClassMismatch, ref, `has handler ${live.handler ?? '(none)'}, not ${rc.handler}`);
  }
  return expected('runtime', `RuntimeClass ${rc.name} with handler ${live.handler ?? '(none)'} (${rc.management})`, ref);
}

function checkNamespace(inputs: RuntimeInputs, index: AuditIndex): Finding {
  const ref = { kind: 'Namespace', name: inputs.namespace };
  const live = index.namespace(inputs.namespace);
  if (live === undefined) return widening('runtime', findingReasons.namespaceWeakened, ref, 'does not exist');
  const differences: string[] = [];
  for (const field of ['labels', 'annotations'] as const) {
    const want = inputs.desiredNamespace.metadata[field] ?? {};
    const have = live.metadata[field] ?? {};
    const keys = new Set([...Object.keys(want), ...Object.keys(have)].filter((k) => ownedPrefixes.some((p) => k.startsWith(p))));
    for (const key of [...keys].sort()) {
      if (want[key] !== have[key]) differences.push(`${key}=${have[key] ?? '(unset)'} instead of ${want[key] ?? '(unset)'}`);
    }
  }
  if (differences.length > 0) return widening('runtime', findingReasons.namespaceWeakened, ref, differences.join('; '));
  return expected('runtime', `Namespace ${inputs.namespace}: Pod Security ${inputs.policy.spec.podSecurity.level}`, ref);
}

function checkPods(inputs: RuntimeInputs, index: AuditIndex): Finding[] {
  const runtimeClass = inputs.policy.spec.sandbox.runtimeClass.name;
  const serviceAccount = inputs.policy.spec.rbac.serviceAccountName;
  const findings: Finding[] = [];
  let conforming = 0;
  for (const pod of index.pods(inputs.namespace)) {
    if (!isLive(pod)) continue;
    const problems = podProblems(pod, runtimeClass, serviceAccount);
    if (problems.length === 0) conforming++;
    else findings.push(widening('runtime', findingReasons.unsandboxedPod, refOf('Pod', pod.metadata), problems.join('; ')));
  }
  if (conforming > 0) findings.unshift(expected('runtime', `${conforming} pods on RuntimeClass ${runtimeClass} as ServiceAccount ${serviceAccount}`));
  return findings;
}

/** Finished or terminating pods hold no sandbox to escape from. */
const isLive = (pod: Pod): boolean =>
  pod.metadata.deletionTimestamp === undefined && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

export function podProblems(pod: Pod, runtimeClass: string, serviceAccount: string): string[] {
  const spec = pod.spec ?? {};
  const problems: string[] = [];
  if ((spec.runtimeClassName ?? '') !== runtimeClass) {
    problems.push(`runs on ${spec.runtimeClassName === undefined ? 'no RuntimeClass (the node default runtime)' : `RuntimeClass ${spec.runtimeClassName}`}, not ${runtimeClass}`);
  }
  if ((spec.serviceAccountName ?? 'default') !== serviceAccount) problems.push(`runs as ServiceAccount ${spec.serviceAccountName ?? 'default'}, not ${serviceAccount}`);
  for (const [field, what] of [['hostNetwork', 'network'], ['hostPID', 'PID'], ['hostIPC', 'IPC']] as const) {
    if (spec[field] === true) problems.push(`shares the host ${what} namespace`);
  }
  return problems;
}

export function evaluateRuntime(inputs: RuntimeInputs, index: AuditIndex): Finding[] {
  return [checkRuntimeClass(inputs, index), checkNamespace(inputs, index), ...checkAdmission(inputs, index), ...checkPods(inputs, index)];
}
