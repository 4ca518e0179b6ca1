/**
 * The tamper-protection ValidatingAdmissionPolicy and its cluster-wide binding: nobody but the operator (and the
 * Kubernetes controllers that garbage-collect and delete namespaces) may create, change or delete an object labelled
 * as Bulkhead's, nor any NetworkPolicy inside an agent namespace (any extra policy would widen the agent's egress).
 * An admin who must intervene switches the binding off; the next reconcile repairs whatever drifted meanwhile.
 */
import { managedByLabel, managedByValue } from '../api/v1alpha1/well-known.ts';
import { apiGroupOf, resourceTable } from '../envelope/resource-table.ts';
import { clusterWideDenyBinding } from './deny-binding.ts';
import { installLabels } from './labels.ts';

export interface TamperProtectionOptions {
  readonly name: string;
  readonly operatorNamespace: string;
  readonly operatorServiceAccount: string;
}

/** Controllers that must keep deleting what Bulkhead owns: garbage collection and namespace deletion. */
const kubernetesControllers = [
  'system:serviceaccount:kube-system:generic-garbage-collector',
  'system:serviceaccount:kube-system:namespace-controller',
];

const labelled = (object: string): string =>
  `${object} != null && ${object}.metadata.?labels[?'${managedByLabel}'].orValue('') == '${managedByValue}'`;

export function tamperProtectionPolicy(options: TamperProtectionOptions): object {
  const trusted = [`system:serviceaccount:${options.operatorNamespace}:${options.operatorServiceAccount}`, ...kubernetesControllers];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: options.name, labels: installLabels('admission') },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        // Main resources only: status subresources stay writable for the controllers that own them (quota usage).
        resourceRules: resourceTable.map((r) => ({
          apiGroups: [apiGroupOf(r.apiVersion)],
          apiVersions: [r.apiVersion.split('/').at(-1) ?? ''],
          operations: ['CREATE', 'UPDATE', 'DELETE'],
          resources: [r.plural],
        })),
      },
      variables: [
        { name: 'managed', expression: `(${labelled('object')}) || (${labelled('oldObject')})` },
        {
          name: 'agentNetworkPolicy',
          expression: `request.resource.resource == 'networkpolicies' && ${labelled('namespaceObject')}`,
        },
        { name: 'trusted', expression: `request.userInfo.username in ${JSON.stringify(trusted).replaceAll('"', "'")}` },
      ],
      validations: [
        {
          expression: '!(variables.managed || variables.agentNetworkPolicy) || variables.trusted',
          message:
            'this object is part of an agent isolation envelope managed by Bulkhead: change its AgentPolicy instead',
          reason: 'Forbidden',
        },
      ],
    },
  };
}

export function tamperProtectionBinding(options: Pick<TamperProtectionOptions, 'name'>): object {
  return clusterWideDenyBinding(options.name);
}
