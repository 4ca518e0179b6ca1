import type { IIoK8sApiNetworkingV1IPBlock as IPBlock } from 'kubernetes-models/networking.k8s.io/v1/IPBlock';
import { compareCidrs, containsCidr, formatCidr, parseCidr, strictlyContainsCidr, type Cidr } from '../net/cidr.ts';
import { privateRanges, unreachableRanges } from '../net/network-ranges.ts';
import { boundedMemo } from '../bounded-memo.ts';

/**
 * The ipBlock of a CIDR peer: the user's cidr and except, plus every unreachable range (link-local, metadata) and,
 * unless allowPrivate, every private range that lies strictly inside the cidr. Ranges of the other family never
 * apply (see network-ranges.ts). A cidr that is itself private (10.1.0.0/16) is an explicit private destination and
 * gets no private except: only ranges it strictly contains. Excepts inside another except are dropped, and the
 * list is sorted, so the output is minimal and deterministic.
 */
export function ipBlockFor(cidrText: string, userExcept: readonly string[] = [], allowPrivate = false): IPBlock {
  // The same few blocks (0.0.0.0/0, ::/0) recur in most policies: compute each once. A fresh copy every time, so no
  // caller's object shares an array with another's.
  const block = computedBlocks(`${cidrText}|${userExcept.join(',')}|${allowPrivate}`, () => computeIpBlock(cidrText, userExcept, allowPrivate));
  return block.except === undefined ? { cidr: block.cidr } : { cidr: block.cidr, except: [...block.except] };
}

const computedBlocks = boundedMemo<IPBlock>();

function computeIpBlock(cidrText: string, userExcept: readonly string[], allowPrivate: boolean): IPBlock {
  const cidr = parseCidr(cidrText);
  const candidates: Cidr[] = [
    ...userExcept.map(parseCidr),
    ...unreachableRanges.filter((r) => strictlyContainsCidr(cidr, r)),
    ...(allowPrivate ? [] : privateRanges.filter((r) => strictlyContainsCidr(cidr, r))),
  ];
  const minimal = candidates.filter(
    (c, i) => !candidates.some((other, j) => j !== i && containsCidr(other, c) && (other.prefix < c.prefix || j < i)),
  );
  minimal.sort(compareCidrs);
  return minimal.length === 0 ? { cidr: cidrText } : { cidr: cidrText, except: minimal.map(formatCidr) };
}
