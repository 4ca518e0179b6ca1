/**
 * Seals a Secret's values for one target: what goes into spec.encryptedData, key by key, as standard padded base64
 * of the hybrid-encrypted blob. Pure but for the randomness of the session keys.
 */
import type { SealingKey } from './certificate.ts';
import { hybridEncrypt } from './hybrid-encrypt.ts';
import { sealingLabel, type SealingTarget } from './scope.ts';

export function sealValues(key: SealingKey, target: SealingTarget, values: ReadonlyMap<string, Uint8Array>): Record<string, string> {
  const label = sealingLabel(target);
  const sealed: Record<string, string> = {};
  for (const [name, value] of [...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    sealed[name] = hybridEncrypt(key.publicKey, value, label).toString('base64');
  }
  return sealed;
}
