/**
 * A v1 List as `JSON.stringify(list, null, 2)` writes it, byte for byte, built from items printed one at a time:
 * `bulkhead render` prints each object as soon as it is built, so the objects die young instead of all 130,000 of
 * 10,000 policies living until one stringify of the whole list (collecting them was a fifth of render's time).
 */

// An item of the List sits two levels deep ("items" in the List); wrapped in two arrays, JSON.stringify indents
// its lines exactly as deep, and the wrapper's own lines are cut off (slice copies nothing).
const itemStart = '[\n  [\n    '.length;
const itemEnd = '\n  ]\n]'.length;

/** One item's text, without the separator before it. */
export function jsonListItem(value: object): string {
  return JSON.stringify([[value]], null, 2).slice(itemStart, -itemEnd);
}

/** What goes between two items. */
export const jsonListSeparator = ',\n    ';

/**
 * The List of the items printed by jsonListItem, in order, with a final newline. An item may be a run of many
 * items already joined by jsonListSeparator.
 */
export function jsonList(items: readonly string[]): string {
  const head = '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": ';
  return items.length === 0 ? `${head}[]\n}\n` : `${head}[\n    ${items.join(jsonListSeparator)}\n  ]\n}\n`;
}
