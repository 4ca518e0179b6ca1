/**
 * Sealing scopes (sealed-secrets.md): the RSA-OAEP label binds a ciphertext to where it may be unsealed. The Sealed
 * Secrets controller recomputes the label from the SealedSecret's own name, namespace and scope annotation, so a value
 * only opens in the place it was sealed for.
 */
export const sealingScopes = ['strict', 'namespace-wide', 'cluster-wide'] as const;
export type SealingScope = (typeof sealingScopes)[number];

export const namespaceWideAnnotation = 'sealedsecrets.bitnami.com/namespace-wide';
export const clusterWideAnnotation = 'sealedsecrets.bitnami.com/cluster-wide';

/** Where a value will be unsealed: the Secret's namespace and name, and how tightly it is bound to them. */
export interface SealingTarget {
  readonly namespace: string;
  readonly name: string;
  readonly scope: SealingScope;
}

/** The OAEP label: "<namespace>/<name>" (strict), "<namespace>" (namespace-wide), or empty (cluster-wide). */
export function sealingLabel(target: SealingTarget): Buffer {
  switch (target.scope) {
    case 'cluster-wide':
      return Buffer.alloc(0);
    case 'namespace-wide':
      return Buffer.from(target.namespace, 'utf8');
    case 'strict':
      return Buffer.from(`${target.namespace}/${target.name}`, 'utf8');
  }
}

/** The annotation a SealedSecret (and its spec.template.metadata) carries for a scope; strict carries none. */
export function scopeAnnotations(scope: SealingScope): Record<string, string> {
  if (scope === 'namespace-wide') return { [namespaceWideAnnotation]: 'true' };
  if (scope === 'cluster-wide') return { [clusterWideAnnotation]: 'true' };
  return {};
}
