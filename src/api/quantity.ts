/**
 * Kubernetes quantities (500m, 1.5Gi, 2e3) as numbers, for comparing limits. Floating point is exact enough to
 * order the values people write; Bulkhead never does arithmetic on quantities it emits (it emits the strings).
 */
import { boundedMemo } from '../bounded-memo.ts';
const suffixes: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export class QuantityParseError extends Error {
  override readonly name = 'QuantityParseError';
}

export function quantityValue(quantity: string | number): number {
  return typeof quantity === 'number' ? quantity : parsed(quantity, () => parseQuantity(quantity));
}

/**
 * The same few quantities ("1", "500m", "1Gi") recur in every policy and are compared several times each (limits
 * validation, the LimitRange defaults): each text is parsed once.
 */
const parsed = boundedMemo<number>();

function parseQuantity(quantity: string): number {
  const match = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))((?:[KMGTPE]i)|[numkMGTPE]|[eE][+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))?$/.exec(quantity);
  if (match === null) throw new QuantityParseError(`"${quantity}" is not a Kubernetes quantity`);
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix.startsWith('e') || suffix.startsWith('E')) return number * 10 ** Number(suffix.slice(1));
  const factor = suffixes[suffix];
  if (factor === undefined) throw new QuantityParseError(`"${quantity}" has an unknown suffix`);
  return number * factor;
}
