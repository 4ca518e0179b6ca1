/**
 * Sets of IP addresses as sorted, disjoint, inclusive ranges per family: what an ipBlock (cidr minus except) allows,
 * in a form where "does this set hold that address" and "is this set inside that one" are exact. NetworkPolicy
 * reasoning needs both: a query names one address, and a foreign rule is harmless only if every address it opens
 * was already open.
 */
import { masked, parseCidr, type Cidr, type IpFamily } from './cidr.ts';

export interface AddressRange {
  readonly family: IpFamily;
  readonly first: bigint;
  readonly last: bigint;
}

/** Sorted by family then address; ranges never overlap or touch. */
export type AddressSet = readonly AddressRange[];

const bits = (family: IpFamily): bigint => (family === 4 ? 32n : 128n);

export function rangeOfCidr(cidr: Cidr): AddressRange {
  const host = bits(cidr.family) - BigInt(cidr.prefix);
  const first = masked(cidr).address;
  return { family: cidr.family, first, last: first + (1n << host) - 1n };
}

function compare(a: AddressRange, b: AddressRange): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.first < b.first ? -1 : a.first > b.first ? 1 : 0;
}

/** Sorts and merges overlapping or adjacent ranges. */
export function normalise(ranges: readonly AddressRange[]): AddressSet {
  const sorted = [...ranges].sort(compare);
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last !== undefined && last.family === r.family && r.first <= last.last + 1n) {
      if (r.last > last.last) out[out.length - 1] = { ...last, last: r.last };
    } else {
      out.push(r);
    }
  }
  return out;
}

/** `from` without every address of `remove`. */
export function subtract(from: AddressSet, remove: AddressSet): AddressSet {
  let current: AddressRange[] = [...from];
  for (const hole of remove) {
    const next: AddressRange[] = [];
    for (const r of current) {
      if (r.family !== hole.family || hole.last < r.first || hole.first > r.last) {
        next.push(r);
        continue;
      }
      if (hole.first > r.first) next.push({ ...r, last: hole.first - 1n });
      if (hole.last < r.last) next.push({ ...r, first: hole.last + 1n });
    }
    current = next;
  }
  return normalise(current);
}

export function union(...sets: readonly AddressSet[]): AddressSet {
  return normalise(sets.flat());
}

/** The addresses an ipBlock allows: its cidr minus its except entries (which the API server keeps inside the cidr). */
export function ipBlockSet(cidr: string, except: readonly string[] = []): AddressSet {
  return subtract([rangeOfCidr(parseCidr(cidr))], normalise(except.map((e) => rangeOfCidr(parseCidr(e)))));
}

export function containsAddress(set: AddressSet, family: IpFamily, address: bigint): boolean {
  return set.some((r) => r.family === family && r.first <= address && address <= r.last);
}

/** Every address of `inner` is in `outer`. */
export function isSubset(inner: AddressSet, outer: AddressSet): boolean {
  return subtract(inner, outer).length === 0;
}
