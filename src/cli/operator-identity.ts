/**
 * The controller's startup check of its own identity. Tamper protection lets only the operator's ServiceAccount write
 * an agent's envelope, so an operator run as anyone else (typically the admin of a kubeconfig) reconciles nothing but
 * ApplyFailed; say so at once, and how to run as the ServiceAccount instead.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import { authenticatedUsername } from '../kube/identity.ts';

export function operatorUsername(config: Pick<OperatorConfig, 'operatorNamespace' | 'operatorServiceAccount'>): string {
  return `system:serviceaccount:${config.operatorNamespace}:${config.operatorServiceAccount}`;
}

/** Pure: the warning for running as `username`, or undefined when it is the operator's ServiceAccount. */
export function identityWarning(username: string, config: OperatorConfig): string | undefined {
  const expected = operatorUsername(config);
  if (username === expected) return undefined;
  return (
    `running as "${username}", not as the operator's ServiceAccount "${expected}": tamper protection refuses this ` +
    `identity's writes to agent envelopes, so policies end Ready=False (ApplyFailed). Run as the ServiceAccount: ` +
    `kubectl create token ${config.operatorServiceAccount} -n ${config.operatorNamespace} --duration=24h > bulkhead.token, ` +
    `then bulkhead controller --token-file bulkhead.token`
  );
}

/** Logs the warning when the KubeConfig is not the operator's ServiceAccount; a failed review is logged, not fatal. */
export async function checkOperatorIdentity(kc: KubeConfig, config: OperatorConfig, log: Logger): Promise<void> {
  try {
    const username = await authenticatedUsername(kc);
    const warning = identityWarning(username, config);
    if (warning === undefined) log.info({ username }, 'running as the operator ServiceAccount');
    else log.warn({ username, expected: operatorUsername(config) }, warning);
  } catch (error) {
    log.warn({ err: error }, 'could not tell which identity the API server sees (SelfSubjectReview failed)');
  }
}
