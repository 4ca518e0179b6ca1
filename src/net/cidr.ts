/**
 * IPv4 and IPv6 addresses and CIDR blocks as plain values: parse, contain, format. Addresses are bigints so both
 * families share one arithmetic; the family is carried separately because 0.0.0.0/0 and ::/0 never contain each
 * other (an IPv4 rule says nothing about IPv6, see network-ranges.ts).
 */
import { boundedMemo } from '../bounded-memo.ts';
export type IpFamily = 4 | 6;

export interface Cidr {
  readonly family: IpFamily;
  /** The network address (host bits may be set when parsed leniently; see isCanonical). */
  readonly address: bigint;
  readonly prefix: number;
}

export class CidrParseError extends Error {
  override readonly name = 'CidrParseError';
}

const bits = (family: IpFamily): number => (family === 4 ? 32 : 128);

export function parseIp(text: string): { readonly family: IpFamily; readonly address: bigint } {
  return parsedIps(text, () => Object.freeze(text.includes(':') ? { family: 6 as const, address: parseIpv6(text) } : { family: 4 as const, address: parseIpv4(text) }));
}

/**
 * Addresses by text: the same few (0.0.0.0, ::, a NodeLocal DNSCache address) recur in every policy and several
 * field rules parse each one. Frozen, because callers share them.
 */
const parsedIps = boundedMemo<{ readonly family: IpFamily; readonly address: bigint }>();

export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new CidrParseError(`"${text}" is not a CIDR: missing /prefix`);
  const { family, address } = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits(family)) {
    throw new CidrParseError(`"${text}" has an invalid prefix length for IPv${family}`);
  }
  return { family, address, prefix: Number(prefixText) };
}

/** A CIDR is canonical when no host bits are set (10.0.0.0/8, not 10.1.2.3/8). */
export function isCanonical(cidr: Cidr): boolean {
  return masked(cidr).address === cidr.address;
}

export function masked(cidr: Cidr): Cidr {
  const hostBits = BigInt(bits(cidr.family) - cidr.prefix);
  return { ...cidr, address: (cidr.address >> hostBits) << hostBits };
}

/** True when every address of `inner` lies in `outer` (equal blocks contain each other). */
export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const hostBits = BigInt(bits(outer.family) - outer.prefix);
  return outer.address >> hostBits === inner.address >> hostBits;
}

/** `inner` lies in `outer` and is smaller: what NetworkPolicy requires of an `except` entry. */
export function strictlyContainsCidr(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix > outer.prefix && containsCidr(outer, inner);
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.family, cidr.address)}/${cidr.prefix}`;
}

/** Total order: family, address, then prefix, so generated lists are deterministic. */
export function compareCidrs(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.prefix - b.prefix;
}

export function formatIp(family: IpFamily, address: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((address >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (leftmost on a tie) of two or more zero groups.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (g: number[]): string => g.map((n) => n.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

function parseIpv4(text: string): bigint {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255)) {
    throw new CidrParseError(`"${text}" is not an IPv4 address`);
  }
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseIpv6(text: string): bigint {
  const fail = (): never => {
    throw new CidrParseError(`"${text}" is not an IPv6 address`);
  };
  if (text.includes('%')) fail(); // zones have no place in a policy
  const halves = text.split('::');
  if (halves.length > 2) fail();
  const groupsOf = (half: string): bigint[] => {
    if (half === '') return [];
    const parts = half.split(':');
    const out: bigint[] = [];
    parts.forEach((part, i) => {
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(BigInt(`0x${part}`));
      } else {
        fail();
      }
    });
    return out;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) fail();
  const all = [...head, ...Array<bigint>(Math.max(0, missing)).fill(0n), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}
