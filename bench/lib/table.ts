/** Plain-text tables for the terminal and Markdown tables for docs/benchmarks.md, from the same rows. */

export type Cell = string | number | undefined;

/** A number as a table shows it: integers with thousands separators, others with up to `digits` decimals. */
export function formatCell(value: Cell, digits = 2): string {
  if (value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  const places = abs >= 100 ? 0 : abs >= 10 ? Math.min(1, digits) : digits;
  return value.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places });
}

/** Columns padded to their widest cell; numbers right-aligned, text left-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => header.map((_, i) => formatCell(row[i])));
  const numeric = header.map((_, i) => rows.every((row) => row[i] === undefined || typeof row[i] === 'number'));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (numeric[i] === true && i > 0 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

/** The same rows as a GitHub Markdown table (pipes in cells escaped). */
export function markdownTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|');
  const numeric = header.map((_, i) => rows.every((row) => row[i] === undefined || typeof row[i] === 'number'));
  const lines = [
    `| ${header.map(escape).join(' | ')} |`,
    `|${header.map((_, i) => (numeric[i] === true && i > 0 ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${header.map((_, i) => escape(formatCell(row[i]))).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}
