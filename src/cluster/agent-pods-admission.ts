/**
 * The ValidatingAdmissionPolicy `bulkhead-agent-pods`: the rules every pod in an agent namespace must follow. Each
 * AgentPolicy binds it to its own namespace with itself as the parameter, so one policy object serves every agent
 * and the rules read the agent's own spec (runtime class, ServiceAccount, registries, digests, token automount).
 */
import { apiVersion as agentPolicyApiVersion, kind as agentPolicyKind } from '../api/v1alpha1/well-known.ts';
import { installLabels } from './labels.ts';

export interface AgentPodsDefaults {
  /** spec.sandbox.runtimeClass.name when the policy leaves it out. */
  readonly runtimeClassName: string;
  /** spec.rbac.serviceAccountName when the policy leaves it out. */
  readonly serviceAccountName: string;
}

// CEL: the policy's fields read with optional chaining, so a policy stored without defaults still evaluates.
const variables = (defaults: AgentPodsDefaults): { name: string; expression: string }[] => [
  {
    name: 'runtimeClass',
    expression: `params.spec.?sandbox.?runtimeClass.?name.orValue('${defaults.runtimeClassName}')`,
  },
  {
    name: 'serviceAccount',
    expression: `params.spec.?rbac.?serviceAccountName.orValue('${defaults.serviceAccountName}')`,
  },
  { name: 'automountAllowed', expression: 'params.spec.?rbac.?automountToken.orValue(false)' },
  { name: 'allowedRegistries', expression: 'params.spec.?images.?allowedRegistries.orValue([])' },
  { name: 'requireDigest', expression: 'params.spec.?images.?requireDigest.orValue(false)' },
  {
    name: 'containers',
    expression:
      'object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])',
  },
];

const validations = [
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
      'variables.allowedRegistries.size() == 0 || variables.containers.all(c, variables.allowedRegistries.exists(r, c.image.startsWith(r)))',
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

export function agentPodsAdmissionPolicy(name: string, defaults: AgentPodsDefaults): object {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels: installLabels('admission') },
    spec: {
      failurePolicy: 'Fail',
      paramKind: { apiVersion: agentPolicyApiVersion, kind: agentPolicyKind },
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
      variables: variables(defaults),
      validations,
    },
  };
}
