/**
 * The objects this operator wrote, until its cache has caught up with them. Right after a write, a pass woken by an
 * older event (another writer's change, or a status update of the version before the repair) can find the cache
 * one version behind and repair again: a second, pointless write. The newer of the cached and the written version is
 * what a pass compares with. resourceVersions are compared as integers (etcd's are); when either is not one, or the
 * uids differ, or the cache has no object at all, the cache wins, so a deletion is never hidden.
 *
 * The same record tells the informers' handlers which events are this operator's own writes coming back: a pass
 * already observed what it wrote, so such an event wakes nobody (a new policy takes one pass, not three), and the
 * written copy is dropped as soon as the cache holds it.
 */
import { refOf, type KubeObject, type ObjectRef } from './ports.ts';

const keyOf = (ref: ObjectRef): string => `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;

function version(object: KubeObject): bigint | undefined {
  const text = object.metadata.resourceVersion;
  return text !== undefined && /^[0-9]+$/.test(text) ? BigInt(text) : undefined;
}

interface Written {
  /** The newest version written. */
  readonly object: KubeObject;
  /** Every version written since the cache last caught up (a finalizer, then a status, in one pass). */
  readonly versions: Set<bigint>;
}

export class WrittenObjects {
  readonly #byKey = new Map<string, Written>();

  remember(object: KubeObject): void {
    const key = keyOf(refOf(object));
    const before = this.#byKey.get(key);
    const versions = before !== undefined && before.object.metadata.uid === object.metadata.uid ? before.versions : new Set<bigint>();
    const ours = version(object);
    if (ours !== undefined) versions.add(ours);
    this.#byKey.set(key, { object, versions });
  }

  /**
   * An informer event of `object`: true when it is exactly a version this operator wrote (nobody needs waking for
   * it). The written copy is forgotten once the cache is at least as new.
   */
  ownEvent(object: KubeObject): boolean {
    const key = keyOf(refOf(object));
    const written = this.#byKey.get(key);
    if (written === undefined) return false;
    const ours = version(written.object);
    const theirs = version(object);
    if (ours === undefined || theirs === undefined || written.object.metadata.uid !== object.metadata.uid) {
      this.#byKey.delete(key);
      return false;
    }
    const own = written.versions.has(theirs);
    if (theirs >= ours) this.#byKey.delete(key);
    else for (const v of written.versions) if (v <= theirs) written.versions.delete(v);
    return own;
  }

  /** The fresher of `cached` and what was written under `ref`; forgets the written copy once the cache has it. */
  freshest(ref: ObjectRef, cached: KubeObject | undefined): KubeObject | undefined {
    const key = keyOf(ref);
    const written = this.#byKey.get(key)?.object;
    if (written === undefined) return cached;
    const ours = version(written);
    const theirs = cached === undefined ? undefined : version(cached);
    if (cached === undefined || ours === undefined || theirs === undefined || cached.metadata.uid !== written.metadata.uid || theirs >= ours) {
      this.#byKey.delete(key);
      return cached;
    }
    return written;
  }
}
