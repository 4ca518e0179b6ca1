import { ownedMeta, type DesiredContext } from './context.ts';
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';

/** bitnami.com/v1alpha1 SealedSecret, the subset Bulkhead writes (kubernetes-models has no type for it). */
export interface SealedSecret {
  readonly apiVersion: 'bitnami.com/v1alpha1';
  readonly kind: 'SealedSecret';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly encryptedData: Record<string, string>;
    readonly template: { readonly type: string; readonly metadata: { readonly name: string; readonly namespace: string } };
  };
}

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
