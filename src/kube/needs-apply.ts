/**
 * Pure: does the live (cached) object already hold everything an apply of `desired` would write? When it does, the
 * apply is skipped (a no-op apply still costs a request and may bump resourceVersion; steady state makes zero writes).
 *
 * Semantics, matched to how the API server stores what server-side apply sent:
 * - objects: every field desired sets must match in live; extra live fields (server defaults, other managers) are fine;
 * - atomic lists: same length, element by element with the object rule (defaults inside elements are fine);
 * - associative lists merged by key (ownerReferences by uid) and sets (finalizers): each desired item is present;
 * - an empty desired string, list, object or null matches an absent live field (the server omits empty values);
 * - quantities in resource maps (quota `hard`, LimitRange `default`/`max`..., `podFixed`, `limits`/`requests`)
 *   compare by value: the server canonicalises "1000m" to "1" and "1024Mi" to "1Gi";
 * - fields Bulkhead applied before and no longer desires: when live carries Bulkhead's managedFields entry, every
 *   field it owns must still be desired, or the apply is needed to remove it.
 * Bookkeeping metadata (resourceVersion, uid, managedFields, creationTimestamp, generation) and status are ignored.
 */
import { quantityValue } from '../api/quantity.ts';

type Json = unknown;

const ignoredMetadata = new Set([
  'resourceVersion',
  'uid',
  'managedFields',
  'creationTimestamp',
  'generation',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

/** Field names whose values are maps of resource name to quantity. */
const quantityMaps = new Set(['hard', 'podFixed', 'default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio', 'limits', 'requests']);

/** Lists the server merges by a key rather than replacing whole. */
const associativeLists: Readonly<Record<string, string>> = { ownerReferences: 'uid' };
/** Lists of scalars the server merges as sets. */
const setLists = new Set(['finalizers']);

export interface ApplyDecision {
  readonly needed: boolean;
  /** The first differing field path, for logs ("spec.egress[0].ports"); undefined when not needed. */
  readonly path?: string;
}

export function needsApply(desired: object, live: object | undefined, fieldManager = 'bulkhead'): boolean {
  return applyDecision(desired, live, fieldManager).needed;
}

export function applyDecision(desired: object, live: object | undefined, fieldManager = 'bulkhead'): ApplyDecision {
  if (live === undefined) return { needed: true, path: '' };
  const desiredBody = comparable(desired);
  const liveBody = comparable(live);
  const difference = firstDifference(desiredBody, liveBody, [], undefined);
  if (difference !== undefined) return { needed: true, path: difference };
  const owned = ownedFields(live, fieldManager);
  if (owned !== undefined) {
    const stale = firstOwnedButUndesired(owned, desired, []);
    if (stale !== undefined) return { needed: true, path: stale };
  }
  return { needed: false };
}

function comparable(object: object): Record<string, Json> {
  const { status: _status, metadata, ...rest } = object as { status?: unknown; metadata?: Record<string, Json> };
  const kept: Record<string, Json> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (!ignoredMetadata.has(key)) kept[key] = value;
  }
  return { ...rest, metadata: kept };
}

function isEmpty(value: Json): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function render(path: readonly string[]): string {
  return path.reduce((out, part) => (part.startsWith('[') ? out + part : out === '' ? part : `${out}.${part}`), '');
}

/** The path of the first field desired sets that live lacks or holds differently; undefined when live covers all. */
function firstDifference(desired: Json, live: Json, path: string[], field: string | undefined): string | undefined {
  if (desired === undefined) return undefined;
  if (live === undefined || live === null) return isEmpty(desired) ? undefined : render(path);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return render(path);
    if (field !== undefined && setLists.has(field)) {
      return desired.every((item) => live.some((l) => deepEqual(item, l))) ? undefined : render(path);
    }
    const key = field === undefined ? undefined : associativeLists[field];
    if (key !== undefined) {
      for (const [i, item] of desired.entries()) {
        const match = live.find((l) => isPlainObject(l) && isPlainObject(item) && l[key] === item[key]);
        const diff = firstDifference(item, match, [...path, `[${i}]`], undefined);
        if (diff !== undefined) return diff;
      }
      return undefined;
    }
    if (desired.length !== live.length) return render(path);
    for (const [i, item] of desired.entries()) {
      const diff = firstDifference(item, live[i], [...path, `[${i}]`], undefined);
      if (diff !== undefined) return diff;
    }
    return undefined;
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(live)) return render(path);
    const quantities = field !== undefined && quantityMaps.has(field);
    for (const [key, value] of Object.entries(desired)) {
      const childPath = [...path, key];
      if (quantities && (typeof value === 'string' || typeof value === 'number')) {
        if (!sameQuantity(value, live[key])) return render(childPath);
        continue;
      }
      const diff = firstDifference(value, live[key], childPath, key);
      if (diff !== undefined) return diff;
    }
    return undefined;
  }
  return desired === live ? undefined : render(path);
}

function sameQuantity(desired: string | number, live: Json): boolean {
  if (desired === live) return true;
  if (typeof live !== 'string' && typeof live !== 'number') return false;
  try {
    const a = quantityValue(desired);
    const b = quantityValue(live);
    return Math.abs(a - b) <= Math.abs(a) * 1e-12;
  } catch {
    // Not both quantities: only identical values match, and they did not.
    return false;
  }
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    return keys.length === Object.keys(b).filter((k) => b[k] !== undefined).length && keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** The fieldsV1 set of the manager's Apply entry in live.metadata.managedFields, when the cache kept it. */
function ownedFields(live: object, fieldManager: string): Record<string, Json> | undefined {
  const entries = (live as { metadata?: { managedFields?: unknown } }).metadata?.managedFields;
  if (!Array.isArray(entries)) return undefined;
  const entry = entries.find(
    (e: { manager?: unknown; operation?: unknown; subresource?: unknown }) =>
      e.manager === fieldManager && e.operation === 'Apply' && (e.subresource === undefined || e.subresource === ''),
  ) as { fieldsV1?: unknown } | undefined;
  return entry !== undefined && isPlainObject(entry.fieldsV1) ? entry.fieldsV1 : undefined;
}

/**
 * Walks a managedFields fieldsV1 set ("f:name" fields, "k:{json}" list items by key, "v:json" set values, "."
 * the item itself) against desired; returns the path of the first owned field desired no longer sets.
 */
function firstOwnedButUndesired(owned: Record<string, Json>, desired: Json, path: string[]): string | undefined {
  for (const [entry, children] of Object.entries(owned)) {
    if (entry === '.') continue;
    const childSet = isPlainObject(children) ? children : {};
    if (entry.startsWith('f:')) {
      const name = entry.slice(2);
      const value = isPlainObject(desired) ? desired[name] : undefined;
      if (value === undefined) return render([...path, name]);
      const diff = firstOwnedButUndesired(childSet, value, [...path, name]);
      if (diff !== undefined) return diff;
    } else if (entry.startsWith('k:')) {
      const key = parseJson(entry.slice(2));
      const item = Array.isArray(desired)
        ? desired.find((d) => isPlainObject(key) && isPlainObject(d) && Object.entries(key).every(([k, v]) => deepEqual(d[k], v)))
        : undefined;
      if (item === undefined) return render([...path, `[${entry.slice(2)}]`]);
      const diff = firstOwnedButUndesired(childSet, item, [...path, `[${entry.slice(2)}]`]);
      if (diff !== undefined) return diff;
    } else if (entry.startsWith('v:')) {
      const value = parseJson(entry.slice(2));
      if (!Array.isArray(desired) || !desired.some((d) => deepEqual(d, value))) return render([...path, `[${entry.slice(2)}]`]);
    }
    // "i:<index>" entries belong to atomic lists, which the value comparison already covers.
  }
  return undefined;
}

function parseJson(text: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    // A malformed key never matches a desired item, so the apply happens: the safe direction.
    return Symbol('unparsable');
  }
}
