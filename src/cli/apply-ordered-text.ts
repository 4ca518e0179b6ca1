import { compareApplyKeys, type ApplyKey } from '../desired/apply-order.ts';

/** A printed object of a policy: where it goes in apply order, and where it came from (to keep ties stable). */
export interface PrintedObject {
  readonly key: ApplyKey;
  readonly namespaced: boolean;
  readonly text: string;
  /** The policy's position in the input, and the object's in that policy's envelope. */
  readonly policyIndex: number;
  readonly position: number;
}

/** The objects of one rank and kind. */
interface Group {
  readonly key: ApplyKey;
  /** Cluster-scoped objects, which come in no useful order: sorted at the end. */
  readonly loose: PrintedObject[];
  /** Namespaced objects, added in apply order; joined into runs as they come. */
  readonly runs: string[];
  pending: string[];
  pendingLength: number;
  lastPath: string;
}

/**
 * Texts joined into one string once they reach this length: past the garbage collector's largest regular object
 * (128 KiB) a string is allocated in large-object space, which a scavenge never copies.
 */
const runLength = 256 * 1024;

/**
 * The texts of many policies' objects, gathered into apply order (rank, kind, namespace, name: compareForApply)
 * without keeping one string per object. Kept one per object, the texts of 10,000 policies (130,000 of them,
 * 115 MB of JSON) were copied by every scavenge until the end, and then sorted: a third of `bulkhead render`'s time.
 *
 * When the policies are added in the order of their namespaces, the namespaced objects of each kind arrive already
 * in apply order (each policy's objects live in its own namespace, in name order), so they are joined into long
 * runs as they come. `add` checks that order and answers false when an object breaks it (two policies sharing a
 * namespace, which validation refuses): the caller then starts again with `sortAll`. Cluster-scoped objects (the
 * Namespaces, FlowSchemas, RuntimeClasses) are kept one by one and sorted at the end, ties in input order.
 */
export class ApplyOrderedText {
  readonly #groups = new Map<string, Group>();
  readonly #separator: string;
  readonly #sortAll: boolean;
  #count = 0;

  /**
   * `separator` goes between two objects' texts; with `sortAll`, every object is kept on its own and sorted, in
   * whatever order the policies come.
   */
  constructor(separator: string, sortAll = false) {
    this.#separator = separator;
    this.#sortAll = sortAll;
  }

  get count(): number {
    return this.#count;
  }

  /** False (and nothing added) when a namespaced object comes out of apply order. */
  add(object: PrintedObject): boolean {
    const id = `${object.key.rank}\0${object.key.path.slice(0, object.key.path.indexOf('\0'))}`;
    let group = this.#groups.get(id);
    if (group === undefined) {
      group = { key: object.key, loose: [], runs: [], pending: [], pendingLength: 0, lastPath: '' };
      this.#groups.set(id, group);
    }
    if (this.#sortAll || !object.namespaced) {
      group.loose.push(object);
      this.#count++;
      return true;
    }
    if (object.key.path <= group.lastPath) return false;
    this.#count++;
    group.lastPath = object.key.path;
    group.pending.push(object.text);
    group.pendingLength += object.text.length;
    if (group.pendingLength >= runLength) this.#endRun(group);
    return true;
  }

  /** Every text in apply order, as pieces to be joined by the separator (a piece may hold many objects). */
  pieces(): string[] {
    const groups = [...this.#groups.values()].sort((a, b) => compareApplyKeys(a.key, b.key));
    const pieces: string[] = [];
    for (const group of groups) {
      // Cluster-scoped objects have no namespace, which sorts before every namespace.
      group.loose.sort(
        (a, b) => compareApplyKeys(a.key, b.key) || a.policyIndex - b.policyIndex || a.position - b.position,
      );
      for (const object of group.loose) pieces.push(object.text);
      this.#endRun(group);
      pieces.push(...group.runs);
    }
    return pieces;
  }

  #endRun(group: Group): void {
    if (group.pending.length === 0) return;
    group.runs.push(group.pending.join(this.#separator));
    group.pending = [];
    group.pendingLength = 0;
  }
}
