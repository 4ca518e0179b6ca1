/** Which status condition reports on which kind of child object. */
import type { ConditionType } from '../api/v1alpha1/conditions.ts';
import type { ManagedKind } from '../envelope/resource-table.ts';

export type Aspect = Exclude<ConditionType, 'Ready'>;

const aspectByKind: Readonly<Record<ManagedKind, Aspect>> = {
  Namespace: 'NamespaceReady',
  ResourceQuota: 'NamespaceReady',
  LimitRange: 'NamespaceReady',
  RuntimeClass: 'SandboxEnforced',
  NetworkPolicy: 'NetworkIsolated',
  ServiceAccount: 'AccessControlled',
  Role: 'AccessControlled',
  RoleBinding: 'AccessControlled',
  FlowSchema: 'AccessControlled',
  SealedSecret: 'SecretsSynced',
};

export function aspectOf(kind: string): Aspect {
  const aspect = aspectByKind[kind as ManagedKind];
  if (aspect === undefined) throw new Error(`no status condition reports on kind ${kind}`);
  return aspect;
}

/** "Kind namespace/name", for messages and logs. */
export function describeObject(object: { kind: string; metadata: { name: string; namespace?: string } }): string {
  const { name, namespace } = object.metadata;
  return `${object.kind} ${namespace === undefined ? name : `${namespace}/${name}`}`;
}
