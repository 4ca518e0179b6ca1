import { parseCidr, type Cidr } from './cidr.ts';

/**
 * What "the internet" means for each family, decided once and used by validation and by the NetworkPolicies.
 *
 * IPv4 and IPv6 are separate worlds: 0.0.0.0/0 matches no IPv6 packet and ::/0 no IPv4 packet, so a policy that
 * wants both writes both (Bulkhead never widens 0.0.0.0/0 into ::/0 behind the user's back; on a dual-stack
 * cluster an IPv4-only allow list leaves IPv6 egress denied, which is the safe reading).
 *
 * - IPv4 internet = 0.0.0.0/0 minus the unreachable ranges below, minus RFC 1918 and CGNAT (100.64/10) unless
 *   the peer sets allowPrivate.
 * - IPv6 internet = ::/0 minus link-local (fe80::/10) and the AWS metadata address, minus unique-local fc00::/7
 *   unless allowPrivate. IPv6-only clusters usually reach IPv4 through NAT64 on the well-known prefix
 *   64:ff9b::/96 (RFC 6052), which embeds IPv4 addresses: ::/0 would otherwise re-open the metadata service and
 *   the private IPv4 networks through the translator. So the NAT64 images of the IPv4 ranges are excepted the same
 *   way, and the local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215, translation into private networks) counts as
 *   private.
 * - IPv4 written inside IPv6: Kubernetes' own CIDR parser (Go's net.ParseCIDR) reads an IPv4-mapped block such as
 *   ::ffff:0:0/96 as 0.0.0.0/0, and network plugins differ on how they read IPv4-compatible blocks (::/96). A
 *   policy may not spell an IPv4 destination that way: it must write the IPv4 block, so that the IPv4 exceptions
 *   above are applied to it. See `ipv4InIpv6Ranges`.
 */

/** Never reachable from an agent, whatever the policy says: link-local (which holds most cloud metadata services) and metadata addresses. */
export const unreachableRanges: readonly Cidr[] = [
  '169.254.0.0/16', // link-local; 169.254.169.254 is the metadata service of AWS, GCP, Azure, OpenStack
  '100.100.100.200/32', // Alibaba Cloud metadata
  'fe80::/10', // IPv6 link-local
  'fd00:ec2::254/128', // AWS IPv6 metadata
  '64:ff9b::a9fe:0/112', // 169.254.0.0/16 through NAT64
  '64:ff9b::6464:64c8/128', // 100.100.100.200 through NAT64
].map(parseCidr);

/** Private networks: excepted from any CIDR that contains them unless the peer says allowPrivate. */
export const privateRanges: readonly Cidr[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10', // carrier-grade NAT, also used for cluster networks
  'fc00::/7', // IPv6 unique-local
  '64:ff9b::a00:0/104', // 10.0.0.0/8 through NAT64
  '64:ff9b::ac10:0/108', // 172.16.0.0/12 through NAT64
  '64:ff9b::c0a8:0/112', // 192.168.0.0/16 through NAT64
  '64:ff9b::6440:0/106', // 100.64.0.0/10 through NAT64
  '64:ff9b:1::/48', // local-use NAT64 prefix (RFC 8215)
].map(parseCidr);

/**
 * IPv6 blocks that embed IPv4 addresses and that a parser may read as IPv4: IPv4-mapped (::ffff:a.b.c.d) and the
 * deprecated IPv4-compatible form (::a.b.c.d). A CIDR inside one of them is refused (validation), whatever its
 * spelling (::ffff:169.254.169.254/128, ::ffff:a9fe:a9fe/128, ::ffff:0:0/96): rendered as written, it would carry
 * none of the IPv4 exceptions.
 */
export const ipv4InIpv6Ranges: readonly Cidr[] = ['::ffff:0:0/96', '::/96'].map(parseCidr);

/**
 * Cloud metadata endpoints as single addresses: refused even where a link-local address is legitimate (NodeLocal
 * DNSCache listens on 169.254.20.10, so the DNS cache address cannot refuse all of 169.254.0.0/16).
 */
export const metadataAddresses: readonly Cidr[] = [
  '169.254.169.254/32', // AWS, GCP, Azure, OpenStack
  '169.254.170.2/32', // AWS ECS task metadata
  '100.100.100.200/32', // Alibaba Cloud
  'fd00:ec2::254/128', // AWS IPv6
  '64:ff9b::a9fe:a9fe/128', // 169.254.169.254 through NAT64
].map(parseCidr);
