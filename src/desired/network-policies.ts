import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IIoK8sApiNetworkingV1NetworkPolicyPeer as NetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { IIoK8sApiNetworkingV1NetworkPolicyPort as NetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import { namespaceNameLabel } from '../api/v1alpha1/well-known.ts';
import type { NetworkPeer } from '../api/v1alpha1/schema.ts';
import { parseIp } from '../net/cidr.ts';
import { ownedMeta, type DesiredContext } from './context.ts';
import { ipBlockFor } from './ip-block.ts';

/**
 * The agent's network: deny everything both ways, then allow DNS and the policy's allow lists. NetworkPolicies only
 * add allowances, so each allow list is its own object and the deny-all stays intact whatever else changes.
 */
export function networkPolicyObjects(context: DesiredContext): INetworkPolicy[] {
  const { network } = context.policy.spec;
  const ns = context.namespace;
  const objects: INetworkPolicy[] = [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: ownedMeta(context, 'bulkhead-default-deny', ns),
      // The empty rule lists are named so server-side apply owns them: another writer's `ingress: [{}]` is taken back.
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
    },
  ];
  if (network.dns.enabled) objects.push(dnsPolicy(context));
  if (network.egress.length > 0) {
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: ownedMeta(context, 'bulkhead-egress', ns),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        ingress: [],
        egress: network.egress.map((p) => ({ to: [peerOf(p)], ...portsOf(p) })),
      },
    });
  }
  if (network.ingress.length > 0) {
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: ownedMeta(context, 'bulkhead-ingress', ns),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: network.ingress.map((p) => ({ from: [peerOf(p)], ...portsOf(p) })),
        egress: [],
      },
    });
  }
  return objects;
}

/**
 * UDP and TCP 53 (TCP for truncated answers) to the cluster DNS pods, selecting their namespace by the label every
 * namespace carries; plus NodeLocal DNSCache, which runs with host networking so only an ipBlock reaches it.
 */
function dnsPolicy(context: DesiredContext): INetworkPolicy {
  const { config } = context;
  const nodeLocal = context.policy.spec.network.dns.nodeLocalAddress;
  const to: NetworkPolicyPeer[] = [
    {
      namespaceSelector: { matchLabels: { [namespaceNameLabel]: config.dnsNamespace } },
      podSelector: { matchLabels: { ...config.dnsPodLabels } },
    },
  ];
  if (nodeLocal !== undefined && nodeLocal !== '') {
    to.push({ ipBlock: { cidr: `${nodeLocal}/${parseIp(nodeLocal).family === 4 ? 32 : 128}` } });
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: ownedMeta(context, 'bulkhead-dns', context.namespace),
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      ingress: [],
      egress: [
        {
          to,
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    },
  };
}

function peerOf(peer: NetworkPeer): NetworkPolicyPeer {
  if (peer.cidr !== undefined) return { ipBlock: ipBlockFor(peer.cidr, peer.except, peer.allowPrivate === true) };
  const podSelector = peer.podSelector === undefined ? undefined : copySelector(peer.podSelector);
  if (peer.namespaceName !== undefined) {
    return {
      namespaceSelector: { matchLabels: { [namespaceNameLabel]: peer.namespaceName } },
      ...(podSelector === undefined ? {} : { podSelector }),
    };
  }
  return { podSelector: podSelector ?? {} };
}

/**
 * A copy of a label selector sharing nothing with the policy, keys in the policy's order. Written out because
 * structuredClone cost a tenth of building the envelope.
 */
function copySelector(selector: NonNullable<NetworkPeer['podSelector']>): NonNullable<NetworkPeer['podSelector']> {
  const copy = { ...selector };
  if (copy.matchLabels !== undefined) copy.matchLabels = { ...copy.matchLabels };
  if (copy.matchExpressions !== undefined) {
    copy.matchExpressions = copy.matchExpressions.map((e) => (e.values === undefined ? { ...e } : { ...e, values: [...e.values] }));
  }
  return copy;
}

function portsOf(peer: NetworkPeer): { ports?: NetworkPolicyPort[] } {
  if (peer.ports === undefined || peer.ports.length === 0) return {};
  return { ports: peer.ports.map((p) => ({ protocol: p.protocol, port: p.port })) };
}
