import { apiVersion, kind, managedLabels } from '../api/v1alpha1/well-known.ts';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';
import { sortForApply } from './apply-order.ts';
import type { DesiredContext } from './context.ts';
import { flowSchemaObjects } from './flow-schema.ts';
import { namespaceObject } from './namespace.ts';
import { networkPolicyObjects } from './network-policies.ts';
import { quotaObjects } from './quota.ts';
import { rbacObjects } from './rbac.ts';
import { runtimeClassObjects } from './runtime-class.ts';
import { sealedSecretObjects } from './sealed-secrets.ts';

export type DesiredObject =
  | ReturnType<typeof namespaceObject>
  | ReturnType<typeof runtimeClassObjects>[number]
  | ReturnType<typeof networkPolicyObjects>[number]
  | ReturnType<typeof rbacObjects>[number]
  | ReturnType<typeof flowSchemaObjects>[number]
  | ReturnType<typeof quotaObjects>[number]
  | ReturnType<typeof sealedSecretObjects>[number];

export interface DesiredStateOptions {
  /**
   * Offline rendering: a policy file has no metadata.uid until the API server stores it, so no ownerReference can
   * name it. With `offline`, such a policy renders without ownerReferences (the controller adds them on its first
   * apply: its objects are the same but for that field); without it, a missing UID is an error, because the
   * controller must never write an object that garbage collection and ownership checks cannot tie to its policy.
   */
  readonly offline?: boolean;
}

export class DesiredStateError extends Error {
  override readonly name = 'DesiredStateError';
}

/**
 * The whole envelope of one policy (design.md section 2), in apply order. Pure and deterministic: the same policy
 * and configuration always give the same objects in the same order. The policy must be valid (validateAgentPolicy).
 */
export function desiredState(policy: AgentPolicy, config: OperatorConfig, options: DesiredStateOptions = {}): DesiredObject[] {
  const uid = policy.metadata.uid;
  if ((uid === undefined || uid === '') && options.offline !== true) {
    throw new DesiredStateError(`AgentPolicy ${policy.metadata.name} has no metadata.uid: cannot set ownerReferences`);
  }
  const context: DesiredContext = {
    policy,
    config,
    namespace: agentNamespaceName(policy),
    labels: managedLabels(policy.metadata.name),
    owner:
      uid === undefined || uid === ''
        ? undefined
        : { apiVersion, kind, name: policy.metadata.name, uid, controller: true, blockOwnerDeletion: true },
  };
  const objects: DesiredObject[] = [
    namespaceObject(context),
    ...runtimeClassObjects(context),
    ...networkPolicyObjects(context),
    ...rbacObjects(context),
    ...flowSchemaObjects(context),
    ...quotaObjects(context),
    ...sealedSecretObjects(context),
  ];
  return sortForApply(objects);
}
