/**
 * String formats of Kubernetes names and values, as regular expressions the zod schema and the CRD share (the CRD
 * gets `.source`, so each must be valid both in JavaScript and in the API server's RE2).
 */
export const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label or annotation key: optional DNS subdomain prefix and "/", then a name of at most 63 characters. */
export const qualifiedName =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
export const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** A non-negative Kubernetes quantity (100m, 1.5Gi, 2e3); the sign is refused on purpose. */
export const nonNegativeQuantity =
  /^\+?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
/** A resource name in quotas and limits: cpu, requests.memory, count/deployments.apps, hugepages-2Mi. */
export const resourceName = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[a-zA-Z0-9]([-a-zA-Z0-9_./]*[a-zA-Z0-9])?$/;
/** A container port name (IANA_SVC_NAME): at most 15 characters, lowercase letters, digits and single hyphens. */
export const namedPort = /^[a-z0-9]([a-z0-9]|-[a-z0-9])*$/;
export const base64 = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A Secret data key. */
export const secretKey = /^[-._a-zA-Z0-9]+$/;
/** An RBAC object name (ClusterRole names may carry ":" as in system:aggregate-to-view). */
export const rbacName = /^[^/%]+$/;
