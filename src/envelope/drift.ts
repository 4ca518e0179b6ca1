/**
 * Pure: does the live object differ from what Bulkhead wants, and how does one write repair it?
 *
 * Equality, not inclusion, on everything Bulkhead owns (design.md section 2): the resource table names each kind's
 * owned fields (a NetworkPolicy's whole spec, a Role's rules, a binding's roleRef and subjects...), and live must
 * hold exactly the desired value there, whoever wrote the difference. Elsewhere, desired metadata must be present
 * (labels, annotations, the ownerReference), the Namespace's labels and `bulkhead.dev/` annotations are exact, and
 * fields Bulkhead applied before and no longer desires must be gone.
 *
 * Values are compared as the API server stores them: absent, null, "" and [] are one thing (the server omits empty
 * values); an empty object is absent too, except a label selector, where {} selects everything and absence does
 * not; quantities compare by value ("1000m" is "1").
 *
 * The repair: server-side apply can set every field Bulkhead names, but it cannot remove what another field
 * manager owns (a key it added to a map, an item it added to a set, a field Bulkhead never names). When live holds
 * such extra content, the repair is an update of the whole object (guarded by its resourceVersion); otherwise an
 * apply. Either way one write, and afterwards the object compares equal, so the next pass writes nothing.
 */
import { quantityValue } from '../api/quantity.ts';
import { resourceKindOf, type ResourceKind } from './resource-table.ts';

type Json = unknown;

export interface Drift {
  /** The first differing field path ("spec.egress[0].ports"); "" when the object is missing. */
  readonly path: string;
  /** How one write repairs it. */
  readonly repair: 'apply' | 'update';
}

export interface ObjectLike {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly Readonly<Record<string, Json>>[];
    readonly [field: string]: Json;
  };
  readonly [field: string]: Json;
}

/** Labels the API server sets on its own; never drift. */
const serverLabels = new Set(['kubernetes.io/metadata.name']);

/** Field names whose values are maps of resource name to quantity. */
const quantityMaps = new Set(['hard', 'podFixed', 'default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio', 'limits', 'requests']);

/** Label selectors: {} selects everything, absence selects nothing (or the own namespace): never folded away. */
const significantEmpty = new Set(['podSelector', 'namespaceSelector']);

export function driftOf(desired: ObjectLike, live: ObjectLike | undefined, fieldManager = 'bulkhead'): Drift | undefined {
  if (live === undefined) return { path: '', repair: 'apply' };
  const kind = resourceKindOf(desired);
  const differences = [
    ...kind.ownedFields.map((field) => firstDifference(normalize(desired[field], field), normalize(live[field], field), [field])),
    metadataDrift(desired, live, kind),
    staleField(desired, live, fieldManager),
  ].filter((d): d is Drift => d !== undefined);
  const first = differences[0];
  if (first === undefined) return undefined;
  // One write must repair everything: if anything anywhere needs an update, the update does it all.
  return { path: first.path, repair: differences.some((d) => d.repair === 'update') ? 'update' : 'apply' };
}

/** The object to send as the repairing update: live, with Bulkhead's fields set exactly as desired. */
export function repairedObject(desired: ObjectLike, live: ObjectLike): ObjectLike {
  const kind = resourceKindOf(desired);
  const out: Record<string, Json> = structuredClone({ ...live }) as Record<string, Json>;
  delete out['status'];
  for (const field of kind.ownedFields) {
    if (desired[field] === undefined) delete out[field];
    else out[field] = structuredClone(desired[field]);
  }
  const { managedFields: _kept, ownerReferences: _replaced, ...metadata } = structuredClone(live.metadata) as Record<string, Json>;
  const liveLabels = live.metadata.labels ?? {};
  const keptLabels = kind.exactLabels === true ? pick(liveLabels, (key) => serverLabels.has(key)) : liveLabels;
  const prefix = kind.ownedAnnotationPrefix;
  const keptAnnotations = pick(live.metadata.annotations ?? {}, (key) => prefix === undefined || !key.startsWith(prefix));
  const shared = kind.sharedByPolicies === true;
  const ownerReferences = (live.metadata.ownerReferences ?? []).filter((r) => !shared || r['kind'] !== 'AgentPolicy');
  for (const ref of desired.metadata.ownerReferences ?? []) {
    const index = ownerReferences.findIndex((r) => r['uid'] === ref['uid']);
    if (index < 0) ownerReferences.push(ref);
    else ownerReferences[index] = ref;
  }
  return {
    ...out,
    metadata: {
      ...metadata,
      name: live.metadata.name,
      labels: { ...keptLabels, ...desired.metadata.labels },
      annotations: { ...keptAnnotations, ...desired.metadata.annotations },
      ...(ownerReferences.length === 0 ? {} : { ownerReferences }),
      // A list with one empty entry clears every manager's record: the per-policy managers of old go with it.
      ...(shared ? { managedFields: [{}] } : {}),
    },
  } as ObjectLike;
}

function pick(record: Readonly<Record<string, string>>, keep: (key: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => keep(key)));
}

function metadataDrift(desired: ObjectLike, live: ObjectLike, kind: ResourceKind): Drift | undefined {
  const extra = foreignMetadata(desired, live, kind);
  const missing = missingMetadata(desired, live);
  if (missing === undefined) return extra;
  return extra === undefined ? missing : { path: missing.path, repair: 'update' };
}

/** Desired labels, annotations or ownerReferences that live lacks or holds differently: an apply sets them. */
function missingMetadata(desired: ObjectLike, live: ObjectLike): Drift | undefined {
  const liveLabels = live.metadata.labels ?? {};
  for (const [key, value] of Object.entries(desired.metadata.labels ?? {})) {
    if (liveLabels[key] !== value) return { path: `metadata.labels.${key}`, repair: 'apply' };
  }
  const liveAnnotations = live.metadata.annotations ?? {};
  for (const [key, value] of Object.entries(desired.metadata.annotations ?? {})) {
    if (liveAnnotations[key] !== value) return { path: `metadata.annotations.${key}`, repair: 'apply' };
  }
  const liveOwners = live.metadata.ownerReferences ?? [];
  for (const [i, ref] of (desired.metadata.ownerReferences ?? []).entries()) {
    const match = liveOwners.find((r) => r['uid'] === ref['uid']);
    if (match === undefined || !deepEqual(normalize(ref, undefined), normalize(match, undefined))) {
      return { path: `metadata.ownerReferences[${i}]`, repair: 'apply' };
    }
  }
  return undefined;
}

/** Labels or annotations only Bulkhead may set, set by someone else: only an update removes them. */
function foreignMetadata(desired: ObjectLike, live: ObjectLike, kind: ResourceKind): Drift | undefined {
  if (kind.sharedByPolicies === true && (live.metadata.ownerReferences ?? []).some((r) => r['kind'] === 'AgentPolicy')) {
    return { path: 'metadata.ownerReferences', repair: 'update' };
  }
  if (kind.exactLabels === true) {
    const extra = Object.keys(live.metadata.labels ?? {}).find((key) => !serverLabels.has(key) && desired.metadata.labels?.[key] === undefined);
    if (extra !== undefined) return { path: `metadata.labels.${extra}`, repair: 'update' };
  }
  const prefix = kind.ownedAnnotationPrefix;
  if (prefix !== undefined) {
    const extra = Object.keys(live.metadata.annotations ?? {}).find((key) => key.startsWith(prefix) && desired.metadata.annotations?.[key] === undefined);
    if (extra !== undefined) return { path: `metadata.annotations.${extra}`, repair: 'update' };
  }
  return undefined;
}

/** The stored form of a value: empties folded away, quantities as numbers. */
export function normalize(value: Json, key: string | undefined): Json {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) {
    const items = value.map((item) => normalize(item, undefined) ?? null);
    return items.length === 0 ? undefined : items;
  }
  if (isPlainObject(value)) {
    const quantities = key !== undefined && quantityMaps.has(key);
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const n = quantities && (typeof v === 'string' || typeof v === 'number') ? quantityOrText(v) : normalize(v, k);
      if (n !== undefined) out[k] = n;
    }
    if (Object.keys(out).length === 0 && !(key !== undefined && significantEmpty.has(key))) return undefined;
    return out;
  }
  return value;
}

function quantityOrText(value: string | number): Json {
  try {
    return quantityValue(value);
  } catch {
    return value; // not a quantity: compared as written
  }
}

/**
 * The first place two normalised values differ. Extra content in live (a key or list item desired lacks) needs an
 * update; a value Bulkhead names but live holds differently is set by an apply.
 */
function firstDifference(desired: Json, live: Json, path: string[]): Drift | undefined {
  if (deepEqual(desired, live)) return undefined;
  if (desired === undefined) return { path: render(path), repair: 'update' };
  if (live === undefined) return { path: render(path), repair: 'apply' };
  if (Array.isArray(desired) && Array.isArray(live)) {
    const extra = live.some((item) => !desired.some((d) => deepEqual(d, item)));
    const index = desired.findIndex((item, i) => !deepEqual(item, live[i]));
    return { path: render(index < 0 ? path : [...path, `[${index}]`]), repair: extra ? 'update' : 'apply' };
  }
  if (isPlainObject(desired) && isPlainObject(live)) {
    const differences = [...new Set([...Object.keys(desired), ...Object.keys(live)])]
      .map((key) => firstDifference(desired[key], live[key], [...path, key]))
      .filter((d): d is Drift => d !== undefined);
    const first = differences[0];
    if (first === undefined) return undefined;
    return { path: first.path, repair: differences.some((d) => d.repair === 'update') ? 'update' : 'apply' };
  }
  return { path: render(path), repair: isPlainObject(live) || Array.isArray(live) ? 'update' : 'apply' };
}

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

function render(path: readonly string[]): string {
  return path.reduce((out, part) => (part.startsWith('[') ? out + part : out === '' ? part : `${out}.${part}`), '');
}

/**
 * Fields Bulkhead applied before and no longer desires (a namespace label removed from the spec): the cache keeps
 * Bulkhead's own managedFields entry, and an apply drops every field it owned and no longer names.
 */
function staleField(desired: ObjectLike, live: ObjectLike, fieldManager: string): Drift | undefined {
  const entries = live.metadata['managedFields'];
  if (!Array.isArray(entries)) return undefined;
  const entry = entries.find(
    (e: { manager?: unknown; operation?: unknown; subresource?: unknown }) =>
      e.manager === fieldManager && e.operation === 'Apply' && (e.subresource === undefined || e.subresource === ''),
  ) as { fieldsV1?: unknown } | undefined;
  if (entry === undefined || !isPlainObject(entry.fieldsV1)) return undefined;
  const path = firstOwnedButUndesired(entry.fieldsV1, desired, []);
  return path === undefined ? undefined : { path, repair: 'apply' };
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
