import type { INamespace } from 'kubernetes-models/v1/Namespace';
import { normalizeRegistryEntry } from '../api/image-reference.ts';
import { admissionAnnotations, enforcementLabel } from '../api/v1alpha1/well-known.ts';
import { ownedMeta, type DesiredContext } from './context.ts';

/**
 * The agent namespace: Pod Security Admission enforcing, auditing and warning at the policy's level, and the
 * parameters of the agent-pods admission policy. The chart's static bindings select agent namespaces by the
 * enforcement label, and the policy reads runtime class, ServiceAccount, token automount, registries and digest
 * rule from these annotations (namespaceObject), so the rules are in force from the moment the namespace exists.
 */
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
        [enforcementLabel]: spec.sandbox.enforcement,
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': level,
        'pod-security.kubernetes.io/audit-version': 'latest',
        'pod-security.kubernetes.io/warn': level,
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
      annotations: { ...spec.namespace.annotations, ...admissionParameters(context) },
    },
  };
}

/** The annotations the agent-pods admission policy reads (see src/cluster/agent-pods-admission.ts). */
export function admissionParameters(context: DesiredContext): Record<string, string> {
  const { sandbox, rbac, images } = context.policy.spec;
  return {
    [admissionAnnotations.runtimeClass]: sandbox.runtimeClass.name,
    [admissionAnnotations.serviceAccount]: rbac.serviceAccountName,
    [admissionAnnotations.automountToken]: String(rbac.automountToken),
    [admissionAnnotations.allowedRegistries]: images.allowedRegistries.map(normalizeRegistryEntry).join(','),
    [admissionAnnotations.requireDigest]: String(images.requireDigest),
  };
}
