import type { IFlowSchema } from 'kubernetes-models/flowcontrol.apiserver.k8s.io/v1/FlowSchema';
import { ownedMeta, type DesiredContext } from './context.ts';

/**
 * Routes every request of the agent ServiceAccount to the chart's throttled priority level, one flow per user
 * (ByUser), at the configured precedence (see config.ts for why 1000).
 */
export function flowSchemaObjects(context: DesiredContext): IFlowSchema[] {
  if (!context.policy.spec.apiRateLimit.enabled) return [];
  return [
    {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'FlowSchema',
      metadata: ownedMeta(context, `bulkhead-${context.policy.metadata.name}`),
      spec: {
        priorityLevelConfiguration: { name: context.config.priorityLevelName },
        matchingPrecedence: context.config.flowSchemaMatchingPrecedence,
        distinguisherMethod: { type: 'ByUser' },
        rules: [
          {
            subjects: [
              {
                kind: 'ServiceAccount',
                serviceAccount: { namespace: context.namespace, name: context.policy.spec.rbac.serviceAccountName },
              },
            ],
            resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
            nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          },
        ],
      },
    },
  ];
}
