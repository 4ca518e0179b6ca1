/**
 * Before anything is written: may this policy take its namespace and its Managed RuntimeClass? A conflict blocks the
 * whole envelope (an isolation envelope is all or nothing) and is reported on the aspect it concerns.
 */
import { conditionReasons, type ConditionType } from '../api/v1alpha1/conditions.ts';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { Observed } from './conditions.ts';
import { claimNamespace, claimRuntimeClass } from './ownership.ts';
import type { ClusterReader, ObjectRef } from './ports.ts';

export interface ClaimConflict {
  readonly aspect: Exclude<ConditionType, 'Ready'>;
  readonly observed: Observed;
  readonly reason: string;
  readonly message: string;
}

/** The cache holds only Bulkhead-labelled objects: a foreign object is read live. */
async function lookUp(reader: ClusterReader, ref: ObjectRef): Promise<ReturnType<ClusterReader['cached']>> {
  return reader.cached(ref) ?? (await reader.read(ref));
}

export async function claimEnvelope(policy: AgentPolicy, reader: ClusterReader): Promise<ClaimConflict | undefined> {
  const uid = policy.metadata.uid ?? '';
  const namespace = agentNamespaceName(policy);
  const nsClaim = claimNamespace(
    await lookUp(reader, { apiVersion: 'v1', kind: 'Namespace', name: namespace }),
    { name: policy.metadata.name, uid },
    namespace,
  );
  if (nsClaim.outcome === 'conflict') {
    const reason = conditionReasons.namespaceConflict;
    return { aspect: 'NamespaceReady', reason, message: nsClaim.message, observed: { status: 'False', reason, message: nsClaim.message } };
  }
  const runtimeClass = policy.spec.sandbox.runtimeClass;
  if (runtimeClass.management === 'Managed') {
    const live = await lookUp(reader, { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name: runtimeClass.name });
    const rcClaim = claimRuntimeClass(live as Parameters<typeof claimRuntimeClass>[0], runtimeClass.name, runtimeClass.handler);
    if (rcClaim.outcome === 'conflict') {
      const reason = conditionReasons.runtimeClassConflict;
      return { aspect: 'SandboxEnforced', reason, message: rcClaim.message, observed: { status: 'False', reason, message: rcClaim.message } };
    }
  }
  return undefined;
}
