/**
 * A ValidatingAdmissionPolicyBinding that applies one policy cluster-wide, without parameters, and denies what it
 * refuses: how the tamper protection and the operator guard are bound.
 */
import { installLabels } from './labels.ts';

export function clusterWideDenyBinding(policyName: string): object {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: policyName, labels: installLabels('admission') },
    spec: { policyName, validationActions: ['Deny'] },
  };
}
