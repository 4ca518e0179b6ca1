/** Names that identify AgentPolicy and the objects Bulkhead owns; the controller selects and prunes by them. */
export const group = 'bulkhead.dev';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;
export const kind = 'AgentPolicy';
export const plural = 'agentpolicies';
export const singular = 'agentpolicy';
export const shortNames: readonly string[] = ['agp'];
export const categories: readonly string[] = ['bulkhead'];

/** On every object Bulkhead writes: the informers' label selector and the tamper-protection policy's match. */
export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managedByValue = 'bulkhead';
/** On every object Bulkhead writes: which AgentPolicy it belongs to (the index; the ownerReference UID is the truth). */
export const policyLabel = 'bulkhead.dev/policy';
/** An admin sets this on a pre-existing namespace (value: the policy name) to let that policy adopt it. */
export const adoptAnnotation = 'bulkhead.dev/adopt';

/** The labels of every object of one policy's envelope. */
export function managedLabels(policyName: string): Record<string, string> {
  return { [managedByLabel]: managedByValue, [policyLabel]: policyName };
}

/** Namespaces an agent may never be placed in (the operator's own namespace is refused too, from configuration). */
export const reservedNamespaces: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Label key prefixes a policy may not set on its namespace: they belong to Kubernetes, PSA and Bulkhead. */
export const reservedLabelPrefixes: readonly string[] = [
  'bulkhead.dev/',
  'kubernetes.io/',
  'k8s.io/',
  'pod-security.kubernetes.io/',
];
/** Single label keys a policy may not set: Bulkhead's own selector label. */
export const reservedLabelKeys: readonly string[] = [managedByLabel];

/** The namespace label every namespace carries (since Kubernetes 1.22): NetworkPolicy and admission select on it. */
export const namespaceNameLabel = 'kubernetes.io/metadata.name';

/**
 * What the agent-pods admission policy needs, carried by the agent namespace itself (Bulkhead-owned and under tamper
 * protection), so the chart's static bindings select namespaces by label and the policy reads `namespaceObject`:
 * the operator needs no write access to admission objects, which no admission policy can protect.
 */
export const enforcementLabel = 'bulkhead.dev/enforcement';
export const admissionAnnotations = {
  runtimeClass: 'bulkhead.dev/runtime-class',
  serviceAccount: 'bulkhead.dev/service-account',
  automountToken: 'bulkhead.dev/automount-token',
  allowedRegistries: 'bulkhead.dev/allowed-registries',
  requireDigest: 'bulkhead.dev/require-digest',
} as const;
