/**
 * Pure: the census quota of an agent namespace (desired/quota.ts builds it) and whether its counts disagree with the
 * pods and Secrets the isolation audit last listed there, in which case the listing is stale and is taken again.
 */
export const censusQuotaName = 'bulkhead-census';

/** Far above anything an agent namespace holds: the census counts, it never refuses. */
export const censusLimits: Readonly<Record<string, string>> = { pods: '1000000', secrets: '1000000' };

interface Counted {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly status?: { readonly phase?: string };
}

interface Quota {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly status?: { readonly used?: Readonly<Record<string, string>> };
}

export const isCensus = (object: Quota): boolean => object.kind === 'ResourceQuota' && object.metadata.name === censusQuotaName;

/**
 * Whether the census counts something else than the listing: pods the quota counts (not Succeeded or Failed) and
 * every Secret. A census that has not counted yet disagrees with nothing.
 */
export function censusDisagrees(census: Quota, pods: readonly Counted[], secrets: readonly Counted[]): boolean {
  const used = census.status?.used;
  if (used === undefined) return false;
  const livePods = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
  return Number(used['pods'] ?? livePods) !== livePods || Number(used['secrets'] ?? secrets.length) !== secrets.length;
}
