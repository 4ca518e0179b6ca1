/** Kubernetes label selectors: matching (the apimachinery semantics) and a short readable form. */
import { isDeepStrictEqual } from 'node:util';
import type { LabelSelector } from './objects.ts';

/** An empty selector ({}, or no requirements at all) selects everything. */
export function selectsEverything(selector: LabelSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (operator) {
      case 'In':
        if (!has || !values.includes(value as string)) return false;
        break;
      case 'NotIn':
        // A missing key satisfies NotIn (apimachinery's labels.Requirement).
        if (has && values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        // The API server rejects other operators; an unknown one selects nothing, the safe reading for a deny.
        return false;
    }
  }
  return true;
}

/** A canonical copy (keys and values sorted, matchLabels folded into In requirements) for equality tests. */
export function canonicalSelector(selector: LabelSelector | undefined): readonly string[] {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k} In ${v}`);
  for (const e of selector?.matchExpressions ?? []) parts.push(`${e.key} ${e.operator} ${[...(e.values ?? [])].sort().join(',')}`);
  return [...new Set(parts)].sort();
}

export function sameSelector(a: LabelSelector | undefined, b: LabelSelector | undefined): boolean {
  return isDeepStrictEqual(canonicalSelector(a), canonicalSelector(b));
}

/** "app=web,tier in (a,b),!legacy"; "*" for a selector that selects everything. */
export function formatSelector(selector: LabelSelector | undefined): string {
  if (selectsEverything(selector)) return '*';
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
    else parts.push(`${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
  }
  return parts.join(',');
}
