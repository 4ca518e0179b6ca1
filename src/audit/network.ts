/**
 * The agent's effective network, from every NetworkPolicy in its namespace (only policies there can select its
 * pods), whoever wrote them. Each grant is `expected` when a grant of the policy's desired NetworkPolicies covers it
 * (same direction, a peer at least as wide, ports at least as wide), otherwise a widening naming the NetworkPolicy.
 *
 * Which pods: an agent's pods carry whatever labels their creator gives them, so a grant restricted to some labels is
 * still open to the agent; the view is the union over all of the namespace's pods, with each grant's scope shown.
 * A direction is isolated only when a policy listing it selects every pod (an empty podSelector); otherwise some
 * pod may be selected by no policy, and such a pod is not isolated at all.
 */
import { isSubset } from '../net/address-set.ts';
import { expected, findingReasons, widening, type Finding } from './finding.ts';
import { formatGrant } from './network-format.ts';
import { grantsOf, policyTypesOf, typeOf, type Direction, type Grant, type Peer, type PortMatch, type Ports } from './network-rules.ts';
import type { NetworkPolicy } from './objects.ts';
import { sameSelector, selectsEverything } from './selectors.ts';

export interface GrantView {
  readonly grant: Grant;
  readonly text: string;
  readonly verdict: 'expected' | 'widening';
}

export interface DirectionView {
  /** Every pod of the namespace is selected by a policy that lists this direction. */
  readonly isolated: boolean;
  readonly grants: readonly GrantView[];
}

export interface NetworkView {
  readonly namespace: string;
  readonly egress: DirectionView;
  readonly ingress: DirectionView;
  readonly findings: readonly Finding[];
}

function portCovers(outer: PortMatch, inner: PortMatch): boolean {
  if (outer.protocol !== inner.protocol) return false;
  if (outer.kind === 'all') return true;
  if (outer.kind === 'named') return inner.kind === 'named' && inner.name === outer.name;
  return inner.kind === 'range' && outer.first <= inner.first && inner.last <= outer.last;
}

export function portsCover(outer: Ports, inner: Ports): boolean {
  if (outer === 'any') return true;
  if (inner === 'any') return false;
  return inner.every((i) => outer.some((o) => portCovers(o, i)));
}

export function peerCovers(outer: Peer, inner: Peer): boolean {
  if (outer.kind === 'anywhere') return true;
  if (outer.kind === 'addresses') return inner.kind === 'addresses' && isSubset(inner.set, outer.set);
  if (inner.kind !== 'pods') return false;
  const namespacesCovered = selectsEverything(outer.namespaces) || sameSelector(outer.namespaces, inner.namespaces);
  return namespacesCovered && (selectsEverything(outer.pods) || sameSelector(outer.pods, inner.pods));
}

export function grantCovers(outer: Grant, inner: Grant): boolean {
  return (
    outer.direction === inner.direction &&
    (selectsEverything(outer.appliesTo) || sameSelector(outer.appliesTo, inner.appliesTo)) &&
    peerCovers(outer.peer, inner.peer) &&
    portsCover(outer.ports, inner.ports)
  );
}

function isolates(policies: readonly NetworkPolicy[], direction: Direction): boolean {
  return policies.some((p) => policyTypesOf(p).includes(typeOf(direction)) && selectsEverything(p.spec?.podSelector));
}

function directionView(live: readonly NetworkPolicy[], desired: readonly Grant[], direction: Direction): DirectionView {
  const grants = live
    .flatMap((p) => grantsOf(p, direction))
    .map((grant): GrantView => ({
      grant,
      text: formatGrant(grant),
      verdict: desired.some((d) => grantCovers(d, grant)) ? 'expected' : 'widening',
    }));
  return { isolated: isolates(live, direction), grants };
}

/**
 * `live`: the NetworkPolicies in the agent namespace; `desired`: the ones the policy's desired state holds. The
 * desired set isolates both directions, so a live direction that is not isolated is a widening.
 */
export function evaluateNetwork(namespace: string, live: readonly NetworkPolicy[], desired: readonly NetworkPolicy[]): NetworkView {
  const sorted = [...live].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const findings: Finding[] = [];
  const views = {} as Record<Direction, DirectionView>;
  for (const direction of ['egress', 'ingress'] as const) {
    const desiredGrants = desired.flatMap((p) => grantsOf(p, direction));
    const view = directionView(sorted, desiredGrants, direction);
    views[direction] = view;
    if (!view.isolated && isolates(desired, direction)) {
      const missing = desired.find((p) => policyTypesOf(p).includes(typeOf(direction)) && selectsEverything(p.spec?.podSelector));
      findings.push(
        widening(
          'network',
          findingReasons.networkNotIsolated,
          { kind: 'NetworkPolicy', namespace, name: missing?.metadata.name ?? 'bulkhead-default-deny' },
          `${direction} is not isolated: no NetworkPolicy listing ${typeOf(direction)} selects every pod, so pods it does not select may send and receive anything`,
        ),
      );
    }
    for (const g of view.grants) {
      const line = `${direction} ${g.text} (rule ${g.grant.rule + 1})`;
      findings.push(
        g.verdict === 'expected'
          ? expected('network', line, g.grant.policy)
          : widening('network', findingReasons.foreignNetworkPolicy, g.grant.policy, `opens ${line}, which the policy does not allow`),
      );
    }
  }
  return { namespace, egress: views.egress, ingress: views.ingress, findings };
}

/** "egress: TCP 443 to 0.0.0.0/0 except ...; UDP/TCP 53 to kube-system/k8s-app=kube-dns; ingress: none". */
export function summariseNetwork(view: NetworkView): string {
  const direction = (name: Direction, d: DirectionView): string => {
    const lines = [...new Set(d.grants.map((g) => g.text))];
    if (!d.isolated) lines.unshift('anything for pods no policy isolates');
    return `${name}: ${lines.length === 0 ? 'none' : lines.join('; ')}`;
  };
  return `${direction('egress', view.egress)}; ${direction('ingress', view.ingress)}`;
}
