import { applyKeyOf, compareApplyKeys, type ApplyKey } from '../desired/apply-order.ts';

/** An object of a policy's envelope: where it goes in apply order, and where it came from (to keep ties stable). */
export interface OrderedObject {
  /** The apply rank of its kind (applyRankOf). */
  readonly rank: number;
  readonly kind: string;
  /** "" for a cluster-scoped object. */
  readonly namespace: string;
  readonly name: string;
  readonly object: unknown;
  /** The policy's position in the input, and the object's in that policy's envelope. */
  readonly policyIndex: number;
  readonly position: number;
}

/** Prints a run of objects (at least one) with the separator between them, none before or after. */
export type PrintRun = (objects: readonly unknown[]) => string;

/** A cluster-scoped object, printed. */
interface LooseText {
  readonly key: ApplyKey;
  readonly policyIndex: number;
  readonly position: number;
  readonly text: string;
}

/** The objects of one rank and kind. */
interface Group {
  readonly rank: number;
  readonly kind: string;
  /** Cluster-scoped objects, which come in no useful order: sorted at the end. */
  readonly loose: LooseText[];
  /** Namespaced objects, added in apply order, printed a run at a time. */
  readonly runs: string[];
  pending: unknown[];
  /** The last namespaced object added. */
  lastNamespace: string;
  lastName: string;
}

/**
 * Objects printed together: a few hundred objects make a text past the garbage collector's largest regular object
 * (128 KiB), which is allocated in large-object space and never copied by a scavenge.
 */
const runObjects = 256;

/**
 * The texts of many policies' objects, gathered into apply order (rank, kind, namespace, name: compareForApply)
 * without keeping every object, or a string per object, to the end. Kept one by one, the objects of 10,000 policies
 * (130,000 of them, 115 MB as JSON) were copied by every scavenge until the end, then sorted, then printed: a third
 * of `bulkhead render`'s time.
 *
 * When the policies are added in the order of their namespaces, the namespaced objects of each kind arrive already
 * in apply order (each policy's objects live in its own namespace, in name order), so they are printed a run at a
 * time as they come. `add` checks that order and answers false when an object breaks it (two policies sharing a
 * namespace, which validation refuses): the caller then starts again with `sortAll`. Cluster-scoped objects (the
 * Namespaces, FlowSchemas, RuntimeClasses) are printed one by one and sorted at the end, ties in input order.
 */
export class ApplyOrderedText {
  /** By kind, then rank (a RoleBinding has two). */
  readonly #groups = new Map<string, Group[]>();
  readonly #print: PrintRun;
  readonly #sortAll: boolean;
  #count = 0;

  /** With `sortAll`, every object is printed on its own and sorted, in whatever order the policies come. */
  constructor(print: PrintRun, sortAll = false) {
    this.#print = print;
    this.#sortAll = sortAll;
  }

  get count(): number {
    return this.#count;
  }

  /** False (and nothing added) when a namespaced object comes out of apply order. */
  add(entry: OrderedObject): boolean {
    const group = this.#groupOf(entry.kind, entry.rank);
    const { namespace, name } = entry;
    if (this.#sortAll || namespace === '') {
      const key = applyKeyOf({ kind: entry.kind, metadata: { namespace, name } }, entry.rank);
      group.loose.push({ key, policyIndex: entry.policyIndex, position: entry.position, text: this.#print([entry.object]) });
      this.#count++;
      return true;
    }
    // Within a group the kind is the same: (namespace, name) decides, compared in code units as compareForApply does.
    if (namespace < group.lastNamespace || (namespace === group.lastNamespace && name <= group.lastName)) return false;
    this.#count++;
    group.lastNamespace = namespace;
    group.lastName = name;
    group.pending.push(entry.object);
    if (group.pending.length >= runObjects) this.#endRun(group);
    return true;
  }

  /** Every text in apply order, as pieces to be joined by the separator (a piece may hold many objects). */
  pieces(): string[] {
    const groups = [...this.#groups.values()].flat();
    groups.sort((a, b) => a.rank - b.rank || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
    const pieces: string[] = [];
    for (const group of groups) {
      // Cluster-scoped objects have no namespace, which sorts before every namespace.
      group.loose.sort((a, b) => compareApplyKeys(a.key, b.key) || a.policyIndex - b.policyIndex || a.position - b.position);
      for (const loose of group.loose) pieces.push(loose.text);
      this.#endRun(group);
      pieces.push(...group.runs);
    }
    return pieces;
  }

  #groupOf(kind: string, rank: number): Group {
    let ofKind = this.#groups.get(kind);
    if (ofKind === undefined) {
      ofKind = [];
      this.#groups.set(kind, ofKind);
    }
    let group = ofKind.find((g) => g.rank === rank);
    if (group === undefined) {
      group = { rank, kind, loose: [], runs: [], pending: [], lastNamespace: '', lastName: '' };
      ofKind.push(group);
    }
    return group;
  }

  #endRun(group: Group): void {
    if (group.pending.length === 0) return;
    group.runs.push(this.#print(group.pending));
    group.pending = [];
  }
}
