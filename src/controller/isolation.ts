/**
 * Pure: the Isolated condition from what the last isolation audit found for one policy. False names every object
 * that widens the envelope (the first one's reason: ForeignBinding, ForeignNetworkPolicy, UnsandboxedPod,
 * ForeignSecret), so `kubectl get agp` shows an envelope weakened from outside.
 */
import { conditionReasons, conditionTypes } from '../api/v1alpha1/conditions.ts';
import type { Finding } from '../audit/finding.ts';
import type { Observed } from './conditions.ts';

/** What the audit knows about one policy: its findings, or why it has none. */
export type IsolationState = { readonly findings: readonly Finding[] } | { readonly problem: string };

/** Condition messages stay readable in `kubectl describe`; the rest is counted. */
const maxMessage = 1024;

export function isolationObservation(state: IsolationState | undefined): Observed {
  if (state === undefined) {
    return { status: 'Unknown', reason: conditionReasons.notAudited, message: 'the isolation audit has not covered this policy yet' };
  }
  if ('problem' in state) return { status: 'Unknown', reason: conditionReasons.notAudited, message: state.problem };
  const { findings } = state;
  const first = findings[0];
  if (first === undefined) {
    return {
      status: 'True',
      reason: conditionReasons.noWidening,
      message: 'no RoleBinding, ClusterRoleBinding, NetworkPolicy, pod or Secret outside the policy widens the envelope',
    };
  }
  let message = `${findings.length} widening${findings.length === 1 ? '' : 's'}: `;
  let shown = 0;
  for (const finding of findings) {
    const next = `${shown === 0 ? '' : '; '}${finding.message}`;
    if (message.length + next.length > maxMessage - 60) break; // room for "; and N more ..."
    message += next;
    shown++;
  }
  if (shown < findings.length) message += `; and ${findings.length - shown} more (bulkhead audit lists them)`;
  return { status: 'False', reason: first.reason, message };
}

/**
 * Until the audit has covered a policy (an operator that just started), the Isolated condition the policy already
 * carries stands, so a restart writes no status just to say "not audited yet".
 */
export function isolationOrStored(observed: Observed | undefined, status: unknown): Observed {
  if (observed !== undefined) return observed;
  const conditions = (status as { conditions?: readonly { type: string; status: Observed['status']; reason: string; message: string }[] } | undefined)?.conditions;
  const stored = conditions?.find((c) => c.type === conditionTypes.isolated);
  return stored === undefined ? isolationObservation(undefined) : { status: stored.status, reason: stored.reason, message: stored.message };
}

/** Widenings counted by the kind of object that causes them: bulkhead_envelope_widenings{kind}. */
export function wideningsByKind(findings: Iterable<readonly Finding[]>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const list of findings) for (const f of list) counts[f.object?.kind ?? 'Unknown'] = (counts[f.object?.kind ?? 'Unknown'] ?? 0) + 1;
  return counts;
}
