/**
 * Does a live admission object say exactly what the expected manifest says? Equality, not inclusion (an extra
 * objectSelector or matchCondition on a live binding lets pods through), after filling in the fields the API server
 * defaults on admissionregistration.k8s.io/v1 objects, so a freshly installed object compares equal.
 */
import { isDeepStrictEqual } from 'node:util';

type Json = unknown;

/** The API server's defaults; an array template applies to each element. */
const matchResourcesDefaults = { matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {} };
const defaultsByKind: Readonly<Record<string, Json>> = {
  ValidatingAdmissionPolicy: {
    failurePolicy: 'Fail',
    matchConstraints: { ...matchResourcesDefaults, resourceRules: [{ scope: '*' }] },
  },
  ValidatingAdmissionPolicyBinding: { matchResources: matchResourcesDefaults },
};

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `value` with every field of `defaults` it lacks filled in, recursively. */
export function withDefaults(value: Json, defaults: Json): Json {
  if (Array.isArray(value) && Array.isArray(defaults) && defaults.length === 1) return value.map((item) => withDefaults(item, defaults[0]));
  if (!isObject(value) || !isObject(defaults)) return value;
  const out: Record<string, Json> = { ...value };
  for (const [key, fallback] of Object.entries(defaults)) {
    out[key] = key in value ? withDefaults(value[key], fallback) : fallback;
  }
  return out;
}

/** The first field path where live and expected specs differ, or undefined when they are equal. */
export function admissionSpecDifference(kind: string, expected: Json, live: Json): string | undefined {
  const defaults = defaultsByKind[kind] ?? {};
  return firstDifference(withDefaults(expected ?? {}, defaults), withDefaults(live ?? {}, defaults), 'spec');
}

function firstDifference(a: Json, b: Json, path: string): string | undefined {
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[key], b[key], `${path}.${key}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return isDeepStrictEqual(a, b) ? undefined : path;
}
