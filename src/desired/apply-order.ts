import { applyRankOf, type ObjectIdentity } from '../envelope/resource-table.ts';

/**
 * `objects` in compareForApply's order (rank, then kind, namespace and name), stable, with each object's rank and
 * names read once instead of in every comparison: compareForApply looks the kind up in the resource table on each
 * call, which was a third of `bulkhead render`'s time for 10,000 policies (130,000 objects).
 */
export function sortForApply<T extends ObjectIdentity>(objects: readonly T[]): T[] {
  const keyed = objects.map((object) => ({
    object,
    rank: applyRankOf(object),
    kind: object.kind ?? '',
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
  }));
  keyed.sort(
    (a, b) => a.rank - b.rank || byCodePoint(a.kind, b.kind) || byCodePoint(a.namespace, b.namespace) || byCodePoint(a.name, b.name),
  );
  return keyed.map((k) => k.object);
}

// As compareForApply: not localeCompare, so the order does not depend on the machine's locale.
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
