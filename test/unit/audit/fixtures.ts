/** Fixtures for the audit evaluator tests: policies from the samples, and cluster objects written by hand. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { defaultCeilingRules } from '../../../src/api/v1alpha1/ceiling.ts';
import type { AgentPolicy } from '../../../src/api/v1alpha1/schema.ts';
import { defaultOperatorConfig } from '../../../src/config.ts';
import { desiredState } from '../../../src/desired/desired-state.ts';
import { emptyAuditObjects, type AuditObjects, type NetworkPolicy, type Obj } from '../../../src/audit/objects.ts';
import { clusterManifests } from '../../../src/cluster/manifests.ts';
import { validateAgentPolicy } from '../../../src/validation/validate.ts';

export const config = defaultOperatorConfig;

/** A sample policy, validated and defaulted, with a UID as the API server would give it. */
export function samplePolicy(file: string, edit: (raw: Record<string, unknown>) => void = () => undefined): AgentPolicy {
  const raw = parse(readFileSync(new URL(`../../../manifests/samples/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;
  (raw['metadata'] as Record<string, unknown>)['uid'] = '00000000-0000-4000-8000-000000000001';
  edit(raw);
  const result = validateAgentPolicy(raw, { config, ceilingRules: defaultCeilingRules });
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.issues)}`);
  return result.policy;
}

/** The policy's desired state as the objects the cluster would hold. */
export function desiredObjects(policy: AgentPolicy): Obj[] {
  return desiredState(policy, config) as unknown as Obj[];
}

export const ofKind = <T extends Obj>(objects: readonly Obj[], kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];

/**
 * A cluster where the policy's envelope is exactly in place: its desired objects, the cluster manifests, the
 * agent's ServiceAccount and the bootstrap RBAC a fresh API server has for every authenticated identity.
 */
export function clusterWith(policy: AgentPolicy, extra: Partial<AuditObjects> = {}): AuditObjects {
  const desired = desiredObjects(policy);
  const cluster = clusterManifests(config) as Obj[];
  const base: AuditObjects = {
    ...emptyAuditObjects,
    namespaces: [...ofKind(desired, 'Namespace').map(withNameLabel), { metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
    networkPolicies: ofKind<NetworkPolicy>(desired, 'NetworkPolicy'),
    roleBindings: ofKind(desired, 'RoleBinding'),
    roles: ofKind(desired, 'Role'),
    clusterRoles: [
      { kind: 'ClusterRole', metadata: { name: 'view' }, rules: [{ apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['get', 'list', 'watch'] }] },
      { kind: 'ClusterRole', metadata: { name: 'system:discovery' }, rules: [{ nonResourceURLs: ['/api', '/apis'], verbs: ['get'] }] },
      {
        kind: 'ClusterRole',
        metadata: { name: 'cluster-admin' },
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      },
    ],
    clusterRoleBindings: [
      {
        kind: 'ClusterRoleBinding',
        metadata: { name: 'system:discovery', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:discovery' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
      },
    ],
    runtimeClasses: ofKind(desired, 'RuntimeClass'),
    admissionPolicies: ofKind(cluster, 'ValidatingAdmissionPolicy'),
    admissionBindings: [...ofKind(cluster, 'ValidatingAdmissionPolicyBinding'), ...ofKind(desired, 'ValidatingAdmissionPolicyBinding')],
  };
  const merged = { ...base } as Record<string, readonly Obj[]>;
  for (const [key, list] of Object.entries(extra)) merged[key] = [...(merged[key] ?? []), ...(list as Obj[])];
  return merged as unknown as AuditObjects;
}

function withNameLabel(ns: Obj): Obj {
  return { ...ns, metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name } } };
}

/** A NetworkPolicy in `namespace` with the given spec. */
export function networkPolicy(namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
