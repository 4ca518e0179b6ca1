/**
 * The agent's runtime: the sandbox RuntimeClass exists with the expected handler; the agent namespace carries the
 * Pod Security and Bulkhead labels and annotations its desired state gives it (the enforcement mode and the
 * admission parameters); the agent-pods admission policy and the binding of the policy's enforcement mode are
 * exactly what the chart installs; and every pod in the namespace runs on the runtime class,
 * as the agent ServiceAccount, outside the host's namespaces (pods admitted before enforcement, or in Audit mode).
 */
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { agentPodsAdmissionPolicy, agentPodsBindingName, agentPodsBindings } from '../cluster/agent-pods-admission.ts';
import { bindingFields, differs, policyFields } from '../controller/observe-admission.ts';
import type { KubeObject } from '../controller/ports.ts';
import { expected, findingReasons, widening, type Finding } from './finding.ts';
import type { AuditIndex } from './index.ts';
import { refOf, type AdmissionObject, type Obj, type Pod } from './objects.ts';

/** Label and annotation prefixes of the namespace that Bulkhead owns and the audit compares. */
const ownedPrefixes = ['pod-security.kubernetes.io/', 'bulkhead.dev/'];

export interface RuntimeInputs {
  readonly policy: AgentPolicy;
  readonly config: OperatorConfig;
  readonly namespace: string;
  /** The namespace object of the desired state. */
  readonly desiredNamespace: Obj;
}

const admissionApiVersion = 'admissionregistration.k8s.io/v1';

/**
 * The chart's agent-pods admission policy and the static binding of the policy's enforcement mode must be exactly as
 * installed; compared the way the controller compares them (observe-admission.ts), so both say the same.
 */
function checkAdmission(inputs: RuntimeInputs, index: AuditIndex): Finding[] {
  const mode = inputs.policy.spec.sandbox.enforcement;
  if (mode === 'Disabled') return [expected('runtime', 'sandbox.enforcement is Disabled: no admission rules bind agent pods')];
  const name = inputs.config.agentPodsAdmissionPolicyName;
  const bindingName = agentPodsBindingName(name, mode);
  const binding = (agentPodsBindings(name) as KubeObject[]).find((b) => b.metadata.name === bindingName);
  const wanted: [KubeObject | undefined, AdmissionObject | undefined, readonly string[]][] = [
    [agentPodsAdmissionPolicy(name) as KubeObject, index.admissionPolicy(name), policyFields],
    [binding, index.admissionBinding(bindingName), bindingFields],
  ];
  return wanted.map(([want, live, fields]) => {
    const kind = want?.kind ?? 'ValidatingAdmissionPolicyBinding';
    const ref = { kind, name: want?.metadata.name ?? bindingName };
    if (want === undefined) return widening('runtime', findingReasons.admissionWeakened, ref, `the chart has no binding for mode ${mode}`);
    const liveObject = live === undefined ? undefined : ({ apiVersion: admissionApiVersion, kind, ...live } as KubeObject);
    const problem = differs(want, liveObject, fields);
    if (problem !== undefined) return widening('runtime', findingReasons.admissionWeakened, ref, `${problem.replace(`${kind} ${ref.name} `, '')}: agent pods are not checked as the policy says`);
    const actions = (want['spec'] as { validationActions?: string[] } | undefined)?.validationActions;
    return expected('runtime', `${kind} ${ref.name} as installed${actions === undefined ? '' : ` (${actions.join(', ')})`}`, ref);
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
