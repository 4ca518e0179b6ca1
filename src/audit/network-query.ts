/**
 * "May this agent reach DEST:PORT/PROTO?" against its effective egress. DEST is an IP address (IPv6 in brackets),
 * or pods: NAMESPACE or NAMESPACE/label=value,label=value. Addresses are matched by ipBlock peers, pods by pod
 * peers (a pod's IP is not known to the audit, and ipBlock is meant for addresses outside the cluster). PORT is a
 * number or a named port; PROTO is TCP (default), UDP or SCTP.
 */
import { namespaceNameLabel } from '../api/v1alpha1/well-known.ts';
import { containsAddress } from '../net/address-set.ts';
import { CidrParseError, formatIp, parseIp, type IpFamily } from '../net/cidr.ts';
import type { GrantView, NetworkView } from './network.ts';
import type { Peer, PortMatch, Ports } from './network-rules.ts';
import { selectorMatches } from './selectors.ts';

export type Destination =
  | { readonly kind: 'address'; readonly family: IpFamily; readonly address: bigint }
  | { readonly kind: 'pods'; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };

export interface NetworkQuery {
  readonly text: string;
  readonly destination: Destination;
  readonly port: number | string;
  readonly protocol: string;
}

export interface QueryAnswer {
  readonly query: string;
  readonly allowed: boolean;
  /** Why, in one sentence. */
  readonly because: string;
  /** The grants that allow it (empty when denied, or when egress is not isolated at all). */
  readonly by: readonly GrantView[];
}

export class QueryError extends Error {
  override readonly name = 'QueryError';
}

const protocols = ['TCP', 'UDP', 'SCTP'];
const labelPair = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/;

/** Parses "169.254.169.254:80/TCP", "[fd00:ec2::254]:80", "kube-system/k8s-app=kube-dns:53/UDP". */
export function parseQuery(text: string): NetworkQuery {
  const usage = `expected DEST:PORT/PROTO, e.g. 169.254.169.254:80/TCP, [fd00:ec2::254]:443/TCP or kube-system/k8s-app=kube-dns:53/UDP`;
  const match = /^(.+):([A-Za-z0-9-]+)(?:\/([A-Za-z]+))?$/.exec(text.trim());
  if (match === null) throw new QueryError(`--query "${text}": ${usage}`);
  const [, dest = '', portText = '', protocolText = 'TCP'] = match;
  const protocol = protocolText.toUpperCase();
  if (!protocols.includes(protocol)) throw new QueryError(`--query "${text}": protocol must be TCP, UDP or SCTP, not "${protocolText}"`);
  let port: number | string;
  if (/^[0-9]+$/.test(portText)) {
    port = Number(portText);
    if (port < 1 || port > 65535) throw new QueryError(`--query "${text}": port must be 1-65535, not ${portText}`);
  } else if (/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(portText)) {
    port = portText;
  } else {
    throw new QueryError(`--query "${text}": "${portText}" is neither a port number nor a named port`);
  }
  return { text: `${dest}:${port}/${protocol}`, destination: parseDestination(text, dest), port, protocol };
}

function parseDestination(text: string, dest: string): Destination {
  const bracketed = /^\[(.+)\]$/.exec(dest);
  const looksLikeIp = bracketed !== null || /^[0-9.]+$/.test(dest);
  if (looksLikeIp) {
    try {
      const ip = parseIp(bracketed?.[1] ?? dest);
      return { kind: 'address', ...ip };
    } catch (error) {
      if (error instanceof CidrParseError) throw new QueryError(`--query "${text}": ${error.message}`);
      throw error;
    }
  }
  if (dest.includes(':')) throw new QueryError(`--query "${text}": write an IPv6 address in brackets, e.g. [fd00:ec2::254]:80/TCP`);
  const [namespace = '', selector] = dest.split('/', 2);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw new QueryError(`--query "${text}": "${namespace}" is not a namespace name`);
  const labels: Record<string, string> = {};
  for (const pair of selector === undefined || selector === '' ? [] : selector.split(',')) {
    const m = labelPair.exec(pair);
    if (m === null) throw new QueryError(`--query "${text}": "${pair}" is not a label=value pair`);
    labels[m[1] as string] = m[2] as string;
  }
  return { kind: 'pods', namespace, labels };
}

function portMatches(ports: Ports, port: number | string, protocol: string): boolean {
  if (ports === 'any') return true;
  return ports.some((p: PortMatch) => {
    if (p.protocol !== protocol) return false;
    if (p.kind === 'all') return true;
    if (p.kind === 'named') return p.name === port;
    return typeof port === 'number' && p.first <= port && port <= p.last;
  });
}

function peerMatches(peer: Peer, destination: Destination, namespaceLabels: Readonly<Record<string, string>>): boolean {
  if (peer.kind === 'anywhere') return true;
  if (destination.kind === 'address') return peer.kind === 'addresses' && containsAddress(peer.set, destination.family, destination.address);
  return peer.kind === 'pods' && selectorMatches(peer.namespaces, namespaceLabels) && selectorMatches(peer.pods, destination.labels);
}

function describeDestination(query: NetworkQuery): string {
  const d = query.destination;
  const where = d.kind === 'address' ? (d.family === 6 ? `[${formatIp(6, d.address)}]` : formatIp(4, d.address)) : query.text.split(':')[0];
  return `${where}:${query.port}/${query.protocol}`;
}

/**
 * `namespaceLabels` gives a namespace's labels from the snapshot; a namespace not found is assumed to carry only its
 * name label, which every namespace has.
 */
export function answerQuery(
  view: NetworkView,
  query: NetworkQuery,
  namespaceLabels: (namespace: string) => Readonly<Record<string, string>> | undefined,
): QueryAnswer {
  const text = describeDestination(query);
  if (!view.egress.isolated) {
    return { query: text, allowed: true, because: 'egress is not isolated: a pod no Egress NetworkPolicy selects may reach anything', by: [] };
  }
  const labels =
    query.destination.kind === 'pods'
      ? (namespaceLabels(query.destination.namespace) ?? { [namespaceNameLabel]: query.destination.namespace })
      : {};
  const by = view.egress.grants.filter(
    (g) => portMatches(g.grant.ports, query.port, query.protocol) && peerMatches(g.grant.peer, query.destination, labels),
  );
  if (by.length === 0) return { query: text, allowed: false, because: 'no egress rule allows it', by };
  const widened = by.some((g) => g.verdict === 'widening');
  return {
    query: text,
    allowed: true,
    because: `${widened ? 'a rule the policy does not allow' : 'the policy'} allows it: ${by.map((g) => `${g.grant.policy.name} rule ${g.grant.rule + 1} (${g.text})`).join('; ')}`,
    by,
  };
}
