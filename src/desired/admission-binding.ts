import type { IValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { namespaceNameLabel } from '../api/v1alpha1/well-known.ts';
import { ownedMeta, type DesiredContext } from './context.ts';

/**
 * Binds the chart's agent-pods ValidatingAdmissionPolicy to the agent namespace, with the AgentPolicy itself as the
 * parameter: the admission rules read runtime class, ServiceAccount, registries and digest rules straight from the
 * spec, so they can never drift from it. A missing parameter (policy deleted mid-flight) denies.
 */
export function admissionBindingObjects(context: DesiredContext): IValidatingAdmissionPolicyBinding[] {
  const enforcement = context.policy.spec.sandbox.enforcement;
  if (enforcement === 'Disabled') return [];
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: ownedMeta(context, `bulkhead-${context.policy.metadata.name}`),
      spec: {
        policyName: context.config.agentPodsAdmissionPolicyName,
        paramRef: { name: context.policy.metadata.name, parameterNotFoundAction: 'Deny' },
        matchResources: { namespaceSelector: { matchLabels: { [namespaceNameLabel]: context.namespace } } },
        validationActions: enforcement === 'Enforce' ? ['Deny'] : ['Audit', 'Warn'],
      },
    },
  ];
}
