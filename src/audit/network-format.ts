/** Readable forms of grants: "UDP/TCP 53 to kube-system/k8s-app=kube-dns", "TCP 443 to 0.0.0.0/0 except 10.0.0.0/8". */
import { namespaceNameLabel } from '../api/v1alpha1/well-known.ts';
import type { Grant, Peer, PortMatch, Ports } from './network-rules.ts';
import { formatSelector, selectsEverything } from './selectors.ts';
import type { LabelSelector } from './objects.ts';

function portText(port: PortMatch): string {
  if (port.kind === 'all') return 'any port';
  if (port.kind === 'named') return port.name;
  return port.first === port.last ? String(port.first) : `${port.first}-${port.last}`;
}

/** Ports grouped by the protocols that share them: "UDP/TCP 53", "TCP 443, 8443", "TCP 80 and UDP 53", "any port". */
export function formatPorts(ports: Ports): string {
  if (ports === 'any') return 'any port';
  const protocolsByPort = new Map<string, string[]>();
  for (const port of ports) {
    const text = portText(port);
    const protocols = protocolsByPort.get(text) ?? [];
    if (!protocols.includes(port.protocol)) protocols.push(port.protocol);
    protocolsByPort.set(text, protocols);
  }
  const portsByProtocols = new Map<string, string[]>();
  for (const [text, protocols] of protocolsByPort) {
    const key = protocols.join('/');
    portsByProtocols.set(key, [...(portsByProtocols.get(key) ?? []), text]);
  }
  return [...portsByProtocols].map(([protocols, texts]) => `${protocols} ${texts.join(', ')}`).join(' and ');
}

/** "kube-system" for a namespace picked by name, "*" for every namespace, "{team=a}" otherwise. */
export function formatNamespaces(selector: LabelSelector): string {
  if (selectsEverything(selector)) return '*';
  const labels = Object.entries(selector.matchLabels ?? {});
  const only = labels[0];
  if (labels.length === 1 && only !== undefined && only[0] === namespaceNameLabel && (selector.matchExpressions ?? []).length === 0) return only[1];
  return `{${formatSelector(selector)}}`;
}

export function formatPeer(peer: Peer): string {
  switch (peer.kind) {
    case 'anywhere':
      return 'anywhere';
    case 'addresses':
      return peer.except.length === 0 ? peer.cidr : `${peer.cidr} except ${peer.except.join(', ')}`;
    case 'pods':
      return `${formatNamespaces(peer.namespaces)}/${formatSelector(peer.pods)}`;
  }
}

/** One grant as a line: "TCP 443 to 0.0.0.0/0", with the pods it applies to when not all of them. */
export function formatGrant(grant: Grant): string {
  const scope = selectsEverything(grant.appliesTo) ? '' : ` (for pods ${formatSelector(grant.appliesTo)})`;
  return `${formatPorts(grant.ports)} ${grant.direction === 'egress' ? 'to' : 'from'} ${formatPeer(grant.peer)}${scope}`;
}
