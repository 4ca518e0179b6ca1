import type { INamespace } from 'kubernetes-models/v1/Namespace';
import { ownedMeta, type DesiredContext } from './context.ts';

/** The agent namespace, with Pod Security Admission enforcing, auditing and warning at the policy's level. */
export function namespaceObject(context: DesiredContext): INamespace {
  const { spec } = context.policy;
  const level = spec.podSecurity.level;
  const meta = ownedMeta(context, context.namespace);
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      ...meta,
      // User labels first: the managed and PSA labels win (reserved keys are refused by validation anyway).
      labels: {
        ...spec.namespace.labels,
        ...meta.labels,
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': level,
        'pod-security.kubernetes.io/audit-version': 'latest',
        'pod-security.kubernetes.io/warn': level,
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
      ...(spec.namespace.annotations === undefined || Object.keys(spec.namespace.annotations).length === 0
        ? {}
        : { annotations: { ...spec.namespace.annotations } }),
    },
  };
}
