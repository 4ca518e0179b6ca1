/**
 * A v1 List as `JSON.stringify(list, null, 2)` writes it, byte for byte, built from runs of items printed a few
 * hundred at a time: `bulkhead render` prints objects soon after they are built, so they die young instead of all
 * 130,000 objects of 10,000 policies living until one stringify of the whole list (collecting them cost a fifth of
 * render's time).
 */

// An item of the List sits two levels deep ("items" in the List); wrapped in two arrays, JSON.stringify indents
// items exactly as deep and puts the List's separator between them, and the wrapper's own lines are cut off.
const runStart = '[\n  [\n    '.length;
const runEnd = '\n  ]\n]'.length;

/** What goes between two items. */
export const jsonListSeparator = ',\n    ';

/** A run of items (at least one), jsonListSeparator between them, none before or after. */
export function jsonListItems(values: readonly unknown[]): string {
  return JSON.stringify([values], null, 2).slice(runStart, -runEnd);
}

/** The List of the runs printed by jsonListItems, in order, with a final newline. */
export function jsonList(runs: readonly string[]): string {
  const head = '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": ';
  if (runs.length === 0) return `${head}[]\n}\n`;
  // The List's head and tail go into the join, so the text is written once, flat: around a joined text they would
  // make a rope that every reader of the text (Buffer.byteLength, a write to stdout) copies again.
  const parts = [...runs];
  parts[0] = `${head}[\n    ${parts[0] ?? ''}`;
  parts[parts.length - 1] = `${parts[parts.length - 1] ?? ''}\n  ]\n}\n`;
  return parts.join(jsonListSeparator);
}
