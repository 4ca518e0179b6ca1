/**
 * NetworkPolicy semantics as plain data: each (rule, peer) of a policy becomes one Grant, "pods matching appliesTo
 * may talk to peer on ports". Kubernetes rules, as the API reference and the upstream conformance cases state them:
 * - policies are additive: a pod's allowed traffic is the union of the rules of every policy that selects it;
 * - a pod is isolated for a direction only once some policy selecting it lists that direction in policyTypes
 *   (defaulted by the API server: Ingress always, Egress when the policy has egress rules); the rules of a direction
 *   the policy does not list are ignored;
 * - a rule without peers (`to`/`from` absent or empty) allows every peer, a rule without ports every port;
 * - a peer is an ipBlock (cidr minus except), or pods: podSelector alone means the policy's own namespace,
 *   namespaceSelector alone every pod of the selected namespaces, both together the selected pods there; an empty
 *   selector selects everything;
 * - a port is a protocol (default TCP) with a number, a range (endPort) or a named container port; no port means
 *   every port of that protocol.
 */
import { namespaceNameLabel } from '../api/v1alpha1/well-known.ts';
import { ipBlockSet, type AddressSet } from '../net/address-set.ts';
import type { LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, ObjectRef } from './objects.ts';
import { refOf } from './objects.ts';

export type Direction = 'egress' | 'ingress';

export type PortMatch =
  | { readonly protocol: string; readonly kind: 'all' }
  | { readonly protocol: string; readonly kind: 'range'; readonly first: number; readonly last: number }
  | { readonly protocol: string; readonly kind: 'named'; readonly name: string };

/** 'any': every port of every protocol. */
export type Ports = 'any' | readonly PortMatch[];

export type Peer =
  | { readonly kind: 'anywhere' }
  | { readonly kind: 'addresses'; readonly cidr: string; readonly except: readonly string[]; readonly set: AddressSet }
  /** Pods of the namespaces the selector matches (own namespace resolved to its name label), matching `pods`. */
  | { readonly kind: 'pods'; readonly namespaces: LabelSelector; readonly pods: LabelSelector };

export interface Grant {
  readonly direction: Direction;
  readonly policy: ObjectRef;
  /** 0-based index of the rule in spec.egress or spec.ingress. */
  readonly rule: number;
  /** Which of the namespace's pods the grant applies to (the policy's podSelector). */
  readonly appliesTo: LabelSelector;
  readonly peer: Peer;
  readonly ports: Ports;
}

/** policyTypes as the API server defaults them. */
export function policyTypesOf(policy: NetworkPolicy): readonly string[] {
  const types = policy.spec?.policyTypes;
  if (types !== undefined && types.length > 0) return types;
  return (policy.spec?.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

export const typeOf = (direction: Direction): string => (direction === 'egress' ? 'Egress' : 'Ingress');

export function portsOf(ports: readonly NetworkPolicyPort[] | undefined): Ports {
  if (ports === undefined || ports.length === 0) return 'any';
  return ports.map((p): PortMatch => {
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) return { protocol, kind: 'all' };
    if (typeof p.port === 'string') {
      // IntOrString: a numeric string is a number (the API server accepts "80" from YAML written by hand).
      if (/^[0-9]+$/.test(p.port)) return { protocol, kind: 'range', first: Number(p.port), last: p.endPort ?? Number(p.port) };
      return { protocol, kind: 'named', name: p.port };
    }
    return { protocol, kind: 'range', first: p.port, last: p.endPort ?? p.port };
  });
}

export function peerOf(peer: NetworkPolicyPeer, ownNamespace: string): Peer {
  if (peer.ipBlock !== undefined) {
    const except = [...(peer.ipBlock.except ?? [])];
    return { kind: 'addresses', cidr: peer.ipBlock.cidr, except, set: ipBlockSet(peer.ipBlock.cidr, except) };
  }
  const namespaces = peer.namespaceSelector ?? { matchLabels: { [namespaceNameLabel]: ownNamespace } };
  return { kind: 'pods', namespaces, pods: peer.podSelector ?? {} };
}

/** Every grant of one policy for one direction; none when the policy does not list the direction. */
export function grantsOf(policy: NetworkPolicy, direction: Direction): Grant[] {
  if (!policyTypesOf(policy).includes(typeOf(direction))) return [];
  const ns = policy.metadata.namespace ?? '';
  const ref = refOf('NetworkPolicy', policy.metadata);
  const appliesTo = policy.spec?.podSelector ?? {};
  const rules = direction === 'egress' ? (policy.spec?.egress ?? []) : (policy.spec?.ingress ?? []);
  const grants: Grant[] = [];
  rules.forEach((rule, index) => {
    const peers = (direction === 'egress' ? (rule as { to?: readonly NetworkPolicyPeer[] }).to : (rule as { from?: readonly NetworkPolicyPeer[] }).from) ?? [];
    const ports = portsOf(rule.ports);
    if (peers.length === 0) grants.push({ direction, policy: ref, rule: index, appliesTo, peer: { kind: 'anywhere' }, ports });
    for (const peer of peers) grants.push({ direction, policy: ref, rule: index, appliesTo, peer: peerOf(peer, ns), ports });
  });
  return grants;
}
