/** Pure event-to-key mapping: any event on an owned object enqueues every AgentPolicy that owns it. */
import { apiVersion as policyApiVersion, kind as policyKind, policyLabel } from '../api/v1alpha1/well-known.ts';
import type { KubeObject } from './ports.ts';

export function owningPolicies(object: Pick<KubeObject, 'metadata'>): string[] {
  const owners = (object.metadata.ownerReferences ?? [])
    .filter((ref) => ref.kind === policyKind && ref.apiVersion === policyApiVersion)
    .map((ref) => ref.name);
  // The label is the index: an object that lost its ownerReference (hand edit) still leads back to its policy.
  const labelled = object.metadata.labels?.[policyLabel];
  return [...new Set(labelled === undefined ? owners : [...owners, labelled])];
}
