/**
 * Secrets in the agent namespace: only ciphertext the policy names may become a Secret there (the Sealed Secrets
 * controller writes it, with an ownerReference to its SealedSecret). A Secret written by hand, or produced by a
 * SealedSecret the policy does not name, is a credential the policy never granted. Token Secrets that Kubernetes
 * makes for a ServiceAccount (annotated kubernetes.io/service-account.name) are left out: they belong to the
 * ServiceAccount, which the identity audit covers.
 */
import { expected, findingReasons, widening, type Finding } from './finding.ts';
import type { AuditIndex } from './index.ts';
import { refOf } from './objects.ts';

export const serviceAccountNameAnnotation = 'kubernetes.io/service-account.name';

export function evaluateSecrets(namespace: string, policySecretNames: readonly string[], index: AuditIndex): Finding[] {
  const findings: Finding[] = [];
  const secrets = [...index.secrets(namespace)].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  for (const secret of secrets) {
    if (secret.metadata.annotations?.[serviceAccountNameAnnotation] !== undefined) continue;
    const ref = refOf('Secret', secret.metadata);
    const sealed = (secret.metadata.ownerReferences ?? []).find((o) => o.kind === 'SealedSecret' && o.apiVersion.startsWith('bitnami.com/'));
    if (sealed === undefined) {
      findings.push(widening('secrets', findingReasons.foreignSecret, ref, 'no SealedSecret produced it (written by hand or by another tool)'));
    } else if (!policySecretNames.includes(sealed.name) || sealed.name !== secret.metadata.name) {
      findings.push(widening('secrets', findingReasons.foreignSecret, ref, `produced by SealedSecret ${sealed.name}, which the policy does not name`));
    } else {
      findings.push(expected('secrets', `Secret ${secret.metadata.name} unsealed from the policy's SealedSecret`, ref));
    }
  }
  return findings;
}
