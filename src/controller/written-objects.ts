/**
 * The objects this operator wrote, until its cache has caught up with them. Right after a write, a pass woken by an
 * older event (another writer's change, or a status update of the version before the repair) can find the cache
 * one version behind and repair again: a second, pointless write. The newer of the cached and the written version is
 * what a pass compares with. resourceVersions are compared as integers (etcd's are); when either is not one, or the
 * uids differ, or the cache has no object at all, the cache wins, so a deletion is never hidden.
 */
import { refOf, type KubeObject, type ObjectRef } from './ports.ts';

const keyOf = (ref: ObjectRef): string => `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;

function version(object: KubeObject): bigint | undefined {
  const text = object.metadata.resourceVersion;
  return text !== undefined && /^[0-9]+$/.test(text) ? BigInt(text) : undefined;
}

export class WrittenObjects {
  readonly #byKey = new Map<string, KubeObject>();

  remember(object: KubeObject): void {
    this.#byKey.set(keyOf(refOf(object)), object);
  }

  /** The fresher of `cached` and what was written under `ref`; forgets the written copy once the cache has it. */
  freshest(ref: ObjectRef, cached: KubeObject | undefined): KubeObject | undefined {
    const key = keyOf(ref);
    const written = this.#byKey.get(key);
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
