import type { ISealedSecret } from '@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1/SealedSecret';
import { ownedMeta, type DesiredContext } from './context.ts';

/** bitnami.com/v1alpha1 SealedSecret as Bulkhead writes it: metadata, encryptedData and the Secret template. */
export type SealedSecret = ISealedSecret & { readonly metadata: NonNullable<ISealedSecret['metadata']> };

/**
 * One SealedSecret per secret, strict scope (no scope annotation: the ciphertext only opens as <namespace>/<name>).
 * The Secret template carries no Bulkhead labels on purpose: the Sealed Secrets controller writes that Secret, and
 * the managed-by label would put it under the tamper protection that only lets Bulkhead's ServiceAccount write.
 */
export function sealedSecretObjects(context: DesiredContext): SealedSecret[] {
  return context.policy.spec.secrets.map((secret) => ({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: ownedMeta(context, secret.name, context.namespace),
    spec: {
      encryptedData: { ...secret.encryptedData },
      template: { type: secret.type, metadata: { name: secret.name, namespace: context.namespace } },
    },
  }));
}
