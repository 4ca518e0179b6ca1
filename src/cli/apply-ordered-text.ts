import { compareApplyKeys, type ApplyKey } from '../desired/apply-order.ts';

/** An object of a policy's envelope: where it goes in apply order, and where it came from (to keep ties stable). */
export interface OrderedObject {
  readonly key: ApplyKey;
  /** The kind (also in key.path): objects are grouped by kind and rank. */
  readonly kind: string;
  readonly namespaced: boolean;
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
  readonly key: ApplyKey;
  /** Cluster-scoped objects, which come in no useful order: sorted at the end. */
  readonly loose: LooseText[];
  /** Namespaced objects, added in apply order, printed a run at a time. */
  readonly runs: string[];
  pending: unknown[];
  lastPath: string;
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
  add({ key, kind, namespaced, object, policyIndex, position }: OrderedObject): boolean {
    let ofKind = this.#groups.get(kind);
    if (ofKind === undefined) {
      ofKind = [];
      this.#groups.set(kind, ofKind);
    }
    let group = ofKind.find((g) => g.key.rank === key.rank);
    if (group === undefined) {
      group = { key, loose: [], runs: [], pending: [], lastPath: '' };
      ofKind.push(group);
    }
    if (this.#sortAll || !namespaced) {
      group.loose.push({ key, policyIndex, position, text: this.#print([object]) });
      this.#count++;
      return true;
    }
    if (key.path <= group.lastPath) return false;
    this.#count++;
    group.lastPath = key.path;
    group.pending.push(object);
    if (group.pending.length >= runObjects) this.#endRun(group);
    return true;
  }

  /** Every text in apply order, as pieces to be joined by the separator (a piece may hold many objects). */
  pieces(): string[] {
    const groups = [...this.#groups.values()].flat().sort((a, b) => compareApplyKeys(a.key, b.key));
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

  #endRun(group: Group): void {
    if (group.pending.length === 0) return;
    group.runs.push(this.#print(group.pending));
    group.pending = [];
  }
}
