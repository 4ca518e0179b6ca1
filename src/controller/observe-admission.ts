/**
 * Pure: are the chart's agent-pods admission policy and the binding of this policy's enforcement mode on the
 * cluster as the chart installs them? Admission objects are exempt from every admission policy, so tamper
 * protection cannot guard them; Bulkhead does not write them either (it has no write access to admission objects).
 * It verifies them on every pass, and SandboxEnforced says False when a validation was dropped, a binding was
 * narrowed (an objectSelector, a resource rule, a different namespace selector) or its actions weakened.
 */
import { conditionReasons } from '../api/v1alpha1/conditions.ts';
import { agentPodsAdmissionPolicy, agentPodsBindings, agentPodsBindingName, type EnforcementMode } from '../cluster/agent-pods-admission.ts';
import { normalize } from '../envelope/drift.ts';
import type { Observed } from './conditions.ts';
import type { ClusterReader, KubeObject } from './ports.ts';

const admissionApiVersion = 'admissionregistration.k8s.io/v1';

type Spec = Record<string, unknown>;

/** A label selector the server defaulted to {} is no selector at all here (it matches everything). */
function withoutEmptySelectors(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const isEmptySelector = (key === 'namespaceSelector' || key === 'objectSelector') && normalize(inner, undefined) === undefined;
    if (!isEmptySelector) out[key] = withoutEmptySelectors(inner);
  }
  return out;
}

/** Server defaults inside resource rules: scope "*" is what an absent scope means. */
function withoutDefaultScope(rules: unknown): unknown {
  if (!Array.isArray(rules)) return rules;
  return rules.map((rule: Record<string, unknown>) => {
    const { scope, ...rest } = rule;
    return scope === '*' ? rest : rule;
  });
}

const comparable = (spec: Spec, fields: readonly string[]): unknown =>
  normalize(
    Object.fromEntries(
      fields.map((field) => {
        const value = withoutEmptySelectors(spec[field]);
        if (field !== 'matchConstraints' && field !== 'matchResources') return [field, value];
        const constraints = (value ?? {}) as Record<string, unknown>;
        const { matchPolicy: _ignored, ...rest } = constraints;
        return [field, { ...rest, resourceRules: withoutDefaultScope(rest['resourceRules']) }];
      }),
    ),
    undefined,
  );

export const policyFields = ['failurePolicy', 'paramKind', 'matchConstraints', 'matchConditions', 'variables', 'validations', 'auditAnnotations'];
export const bindingFields = ['policyName', 'paramRef', 'matchResources', 'validationActions'];

/** Why a live admission object is not as installed (missing, or the spec field that changed); undefined when it is. */
export function differs(expected: KubeObject, live: KubeObject | undefined, fields: readonly string[]): string | undefined {
  if (live === undefined) return `${expected.kind} ${expected.metadata.name} is missing`;
  const want = comparable((expected['spec'] ?? {}) as Spec, fields) as Record<string, unknown>;
  const have = comparable((live['spec'] ?? {}) as Spec, fields) as Record<string, unknown>;
  const field = fields.find((f) => JSON.stringify(sorted(want[f])) !== JSON.stringify(sorted(have[f])));
  return field === undefined ? undefined : `${expected.kind} ${expected.metadata.name} was changed (spec.${field})`;
}

/** Key order does not matter; list order does, except validationActions (a set). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? [...value].sort() : value.map(sorted);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, sorted(v)]));
  }
  return value;
}

/** Undefined when both objects are as installed; otherwise False naming what is wrong. */
export function observeAdmission(policyName: string, mode: EnforcementMode, reader: Pick<ClusterReader, 'installed'>): Observed | undefined {
  const expectedPolicy = agentPodsAdmissionPolicy(policyName) as KubeObject;
  const bindingName = agentPodsBindingName(policyName, mode);
  const expectedBinding = (agentPodsBindings(policyName) as KubeObject[]).find((b) => b.metadata.name === bindingName);
  if (expectedBinding === undefined) throw new Error(`no agent-pods binding for enforcement mode ${mode}`);
  const problem =
    differs(expectedPolicy, reader.installed({ apiVersion: admissionApiVersion, kind: 'ValidatingAdmissionPolicy', name: policyName }), policyFields) ??
    differs(
      expectedBinding,
      reader.installed({ apiVersion: admissionApiVersion, kind: 'ValidatingAdmissionPolicyBinding', name: bindingName }),
      bindingFields,
    );
  if (problem === undefined) return undefined;
  return {
    status: 'False',
    reason: conditionReasons.admissionPolicyChanged,
    message: `${problem}: agent pods are not checked as the policy says; reinstall the chart (helm upgrade or kubectl apply)`,
  };
}
