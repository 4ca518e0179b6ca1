/**
 * One shared copy of each short string value among the objects the informers cache. JSON.parse gives every object
 * its own copy of "rbac.authorization.k8s.io", "AgentPolicy", an owner's apiVersion or its namespace's name: at 500
 * policies, 5.3 of a 54 MiB heap were such duplicates, held for as long as the objects are cached.
 *
 * The pool is a bounded memo: when full it starts over, so the unique strings (names, timestamps) that pass through
 * it cannot grow it without end; the copies already shared stay shared. `uid` and `resourceVersion` values are
 * unique by construction and skipped.
 */
import { boundedMemo } from '../bounded-memo.ts';

/** Longer values (messages, CIDR lists, certificates) are seldom repeated byte for byte. */
const maxLength = 64;
const uniqueKeys = new Set(['uid', 'resourceVersion']);

export type StringPool = (value: string) => string;

export function stringPool(limit = 16_384): StringPool {
  const memo = boundedMemo<string>(limit);
  return (value) => memo(value, () => value);
}

const shared = stringPool();

/** Replaces, in place, each short string value in a freshly parsed object by the pool's copy; returns the object. */
export function internStrings<T>(value: T, pool: StringPool = shared): T {
  if (value !== null && typeof value === 'object') walk(value as Record<string, unknown> | unknown[], pool);
  return value;
}

function walk(node: Record<string, unknown> | unknown[], pool: StringPool): void {
  if (Object.isFrozen(node)) return; // not freshly parsed: leave it be
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = intern(node[i], pool);
    return;
  }
  for (const key of Object.keys(node)) {
    if (!uniqueKeys.has(key)) node[key] = intern(node[key], pool);
  }
}

function intern(value: unknown, pool: StringPool): unknown {
  if (typeof value === 'string') return value.length <= maxLength ? pool(value) : value;
  if (value !== null && typeof value === 'object') walk(value as Record<string, unknown> | unknown[], pool);
  return value;
}
