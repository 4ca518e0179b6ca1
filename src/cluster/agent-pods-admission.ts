/**
 * The ValidatingAdmissionPolicy `bulkhead-agent-pods` and its two static bindings: the rules every pod in an agent
 * namespace must follow. The parameters come from the agent namespace itself (`namespaceObject`): its enforcement
 * label picks the binding (Enforce denies, Audit audits and warns, Disabled matches neither), and Bulkhead-owned
 * annotations carry the runtime class, ServiceAccount, token automount, registries and digest rule (see
 * src/desired/namespace.ts). The namespace is under tamper protection and drift repair; the bindings never change
 * with the policies, so the operator needs no write access to admission objects (which no admission policy can
 * protect) and admission costs the same with 10 or 10,000 agents.
 */
import { admissionAnnotations, enforcementLabel } from '../api/v1alpha1/well-known.ts';
import { installLabels } from './labels.ts';

export type EnforcementMode = 'Enforce' | 'Audit';

/** The static binding of one enforcement mode. */
export function agentPodsBindingName(policyName: string, mode: EnforcementMode): string {
  return `${policyName}-${mode.toLowerCase()}`;
}

const annotation = (key: string): string => `namespaceObject.metadata.?annotations[?'${key}']`;

/**
 * CEL: the namespace's parameters, then each container's image normalised as the container runtime reads it
 * (mirrors imageRepository in src/api/image-reference.ts; test/integration/agent-admission.test.ts runs both over one table).
 */
const variables = [
  { name: 'runtimeClass', expression: `${annotation(admissionAnnotations.runtimeClass)}.orValue('')` },
  { name: 'serviceAccount', expression: `${annotation(admissionAnnotations.serviceAccount)}.orValue('')` },
  { name: 'automountAllowed', expression: `${annotation(admissionAnnotations.automountToken)}.orValue('false') == 'true'` },
  {
    name: 'allowedRegistries',
    expression: `${annotation(admissionAnnotations.allowedRegistries)}.orValue('') == '' ? [] : ${annotation(admissionAnnotations.allowedRegistries)}.orValue('').split(',')`,
  },
  { name: 'requireDigest', expression: `${annotation(admissionAnnotations.requireDigest)}.orValue('true') != 'false'` },
  {
    name: 'containers',
    expression:
      'object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])',
  },
  { name: 'names', expression: "variables.containers.map(c, c.image.split('@')[0])" },
  {
    name: 'repositories',
    expression: "variables.names.map(n, n.lastIndexOf(':') > n.lastIndexOf('/') ? n.substring(0, n.lastIndexOf(':')) : n)",
  },
  {
    name: 'qualified',
    expression:
      "variables.repositories.map(r, r.contains('/') && (r.split('/')[0].contains('.') || r.split('/')[0].contains(':') || r.split('/')[0] == 'localhost') " +
      "? (r.startsWith('index.docker.io/') ? 'docker.io/' + r.substring(16) : r.startsWith('registry-1.docker.io/') ? 'docker.io/' + r.substring(21) : r) " +
      ": 'docker.io/' + r)",
  },
  {
    name: 'images',
    expression:
      "variables.qualified.map(q, q.startsWith('docker.io/') && !q.substring(10).contains('/') ? 'docker.io/library/' + q.substring(10) : q)",
  },
];

const validations = [
  {
    // Fail closed: a namespace selected by a binding but stripped of its parameters admits nothing.
    expression: "variables.runtimeClass != '' && variables.serviceAccount != ''",
    message: 'the agent namespace lacks the admission parameters Bulkhead sets; no pod is admitted until they are restored',
    reason: 'Forbidden',
  },
  {
    expression: 'object.spec.?runtimeClassName.orValue("") == variables.runtimeClass',
    messageExpression: "'agent pods must run on RuntimeClass \"' + variables.runtimeClass + '\"'",
    reason: 'Forbidden',
  },
  {
    expression: 'object.spec.?serviceAccountName.orValue("default") == variables.serviceAccount',
    messageExpression: "'agent pods must run as ServiceAccount \"' + variables.serviceAccount + '\"'",
    reason: 'Forbidden',
  },
  {
    expression:
      '!object.spec.?hostNetwork.orValue(false) && !object.spec.?hostPID.orValue(false) && !object.spec.?hostIPC.orValue(false)',
    message: 'agent pods may not share the host network, PID or IPC namespace',
    reason: 'Forbidden',
  },
  {
    expression:
      'variables.allowedRegistries.size() == 0 || variables.images.all(i, variables.allowedRegistries.exists(r, i == r || i.startsWith(r + "/")))',
    messageExpression:
      "'agent images must come from the allowed registries: ' + variables.allowedRegistries.join(', ')",
    reason: 'Forbidden',
  },
  {
    expression: "!variables.requireDigest || variables.containers.all(c, c.image.contains('@sha256:'))",
    message: 'agent images must be pinned by digest (image@sha256:...)',
    reason: 'Forbidden',
  },
  {
    // The agent ServiceAccount has automount off; a pod may not turn it back on nor project a token by hand.
    expression:
      'variables.automountAllowed || (!object.spec.?automountServiceAccountToken.orValue(false) && ' +
      '!object.spec.?volumes.orValue([]).exists(v, v.?projected.?sources.orValue([]).exists(s, has(s.serviceAccountToken))))',
    message: 'agent pods may not mount a ServiceAccount token: the AgentPolicy sets rbac.automountToken to false',
    reason: 'Forbidden',
  },
];

export function agentPodsAdmissionPolicy(name: string): object {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels: installLabels('admission') },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['pods', 'pods/ephemeralcontainers'],
          },
        ],
      },
      // An update that leaves the pod spec alone (labels, annotations, the finalizer the Job controller removes) is not
      // judged again: every rule reads the spec, and a pod admitted before its policy tightened must stay
      // finishable and deletable. Spec changes (image updates, ephemeral containers) are judged like creates.
      matchConditions: [
        { name: 'create-or-spec-change', expression: "request.operation != 'UPDATE' || object.spec != oldObject.spec" },
      ],
      variables,
      validations,
    },
  };
}

/** Enforce denies; Audit records an audit annotation and warns the client. */
const validationActions: Readonly<Record<EnforcementMode, readonly string[]>> = { Enforce: ['Deny'], Audit: ['Audit', 'Warn'] };

export function agentPodsBindings(policyName: string): object[] {
  return (['Enforce', 'Audit'] as const).map((mode) => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: agentPodsBindingName(policyName, mode), labels: installLabels('admission') },
    spec: {
      policyName,
      validationActions: [...validationActions[mode]],
      matchResources: { namespaceSelector: { matchLabels: { [enforcementLabel]: mode } } },
    },
  }));
}
