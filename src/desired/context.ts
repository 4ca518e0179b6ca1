import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import type { IIoK8sApimachineryPkgApisMetaV1OwnerReference as OwnerReference } from '@kubernetes-models/apimachinery/apis/meta/v1/OwnerReference';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import type { OperatorConfig } from '../config.ts';

/** What every builder of one policy's envelope shares, computed once per desiredState call. */
export interface DesiredContext {
  readonly policy: AgentPolicy;
  readonly config: OperatorConfig;
  /** The agent namespace (spec.namespace.name or agent-<name>). */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The controller ownerReference, or none when rendering a policy without a UID (see desired-state.ts). */
  readonly owner: OwnerReference | undefined;
}

/** Metadata of an owned object: the managed labels, and the policy as controlling owner. */
export function ownedMeta(context: DesiredContext, name: string, namespace?: string): ObjectMeta {
  // Built field by field rather than with conditional spreads, which allocate an object each: every object of the
  // envelope has this metadata. The fields keep this order (it is the output's order).
  const meta: ObjectMeta = namespace === undefined ? { name } : { name, namespace };
  meta.labels = { ...context.labels };
  if (context.owner !== undefined) meta.ownerReferences = [{ ...context.owner }];
  return meta;
}
