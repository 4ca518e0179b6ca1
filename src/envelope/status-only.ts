/**
 * Pure: whether an update of an owned object changed nothing but what the API server and other controllers keep
 * there (status, resourceVersion, managedFields): nothing the envelope's equality (drift.ts) looks at, so its policy
 * need not wake, unless the kind's status is itself evidence (resource-table.ts `readsStatus`).
 */
import { resourceKindOf } from './resource-table.ts';

interface Versioned {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: object;
  readonly [field: string]: unknown;
}

function withoutBookkeeping(object: Versioned): unknown {
  const { status: _status, metadata, ...rest } = object;
  const { resourceVersion: _rv, managedFields: _mf, generation: _g, ...meta } = metadata as Record<string, unknown>;
  return { ...rest, metadata: meta };
}

export function onlyStatusChanged(current: Versioned, previous: Versioned): boolean {
  if (resourceKindOf(current).readsStatus === true) return false;
  return JSON.stringify(withoutBookkeeping(current)) === JSON.stringify(withoutBookkeeping(previous));
}
