/**
 * Before anything is written: may this policy take its namespace and its Managed RuntimeClass? A conflict blocks the
 * whole envelope (an isolation envelope is all or nothing) and is reported on the aspect it concerns.
 */
import { conditionReasons, type ConditionType } from '../api/v1alpha1/conditions.ts';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { runtimeClassObjects } from '../desired/runtime-class.ts';
import { driftOf, type ObjectLike } from '../envelope/drift.ts';
import { parseAgentPolicy } from '../validation/validate.ts';
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

/** The Managed RuntimeClass a policy wants (none for an External one). */
function runtimeClassOf(policy: AgentPolicy, config: OperatorConfig): ObjectLike[] {
  return runtimeClassObjects({ policy, config, namespace: agentNamespaceName(policy), labels: {}, owner: undefined }) as unknown as ObjectLike[];
}

export async function claimEnvelope(policy: AgentPolicy, config: OperatorConfig, reader: ClusterReader): Promise<ClaimConflict | undefined> {
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
  const [desiredClass] = runtimeClassOf(policy, config);
  if (desiredClass !== undefined) {
    const live = await lookUp(reader, { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', name: desiredClass.metadata.name });
    const rcClaim = claimRuntimeClass(live as Parameters<typeof claimRuntimeClass>[0], desiredClass, () =>
      reader.policiesNamingRuntimeClass(desiredClass.metadata.name).find((other) => {
        if (other === policy.metadata.name || live === undefined) return false;
        const raw = reader.policy(other);
        const parsed = raw === undefined ? undefined : parseAgentPolicy(raw);
        if (parsed?.ok !== true) return false;
        const [theirs] = runtimeClassOf(parsed.policy, config);
        return theirs !== undefined && driftOf(theirs, live as ObjectLike) === undefined;
      }),
    );
    if (rcClaim.outcome === 'conflict') {
      const reason = conditionReasons.runtimeClassConflict;
      return { aspect: 'SandboxEnforced', reason, message: rcClaim.message, observed: { status: 'False', reason, message: rcClaim.message } };
    }
  }
  return undefined;
}
