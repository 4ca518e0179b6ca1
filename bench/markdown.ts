/**
 * Prints the figures of bench/results.json as the Markdown tables of docs/benchmarks.md (no measurement):
 * `node bench/markdown.ts [results.json]`.
 */
import { readFileSync } from 'node:fs';
import type { ClusterResult } from './lib/cluster-run.ts';
import type { FlowSchemaResult } from './lib/flowschemas.ts';
import type { RenderRun } from './lib/render.ts';
import { clusterRows, flowSchemaRows, renderRows, type Row } from './lib/report.ts';
import type { Provenance, ResultsFile } from './lib/results.ts';
import { markdownTable } from './lib/table.ts';

const results = JSON.parse(readFileSync(process.argv[2] ?? 'bench/results.json', 'utf8')) as ResultsFile;
const header = ['figure', 'value', 'target', ''];
const when = (p: Provenance): string => `measured ${p.measuredAt.slice(0, 16).replace('T', ' ')} UTC on ${p.commit.slice(0, 7)}${p.dirty ? ' (uncommitted changes)' : ''}`;
// Markdown drops a cell's leading spaces: keep the terminal table's indentation of sub-figures visible.
const indented = (rows: readonly Row[]): Row[] =>
  rows.map(([figure, ...rest]) => [figure.replace(/^ +/, (spaces) => '&nbsp;'.repeat(spaces.length)), ...rest] as Row);
const section = (title: string, p: Provenance, rows: readonly Row[]): void =>
  void process.stdout.write(`### ${title}\n\n_${when(p)}_\n\n${markdownTable(header, indented(rows))}\n`);

if (results.machine !== undefined) {
  const m = results.machine;
  process.stdout.write(`Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, shared with other work.\n\n`);
}
const render = results.render as (Provenance & { runs: RenderRun[] }) | undefined;
if (render !== undefined) section('Render', render, renderRows(render.runs));
for (const [key, result] of Object.entries(results.cluster ?? {}).sort((a, b) => parseInt(a[0]) - parseInt(b[0]) || a[0].localeCompare(b[0]))) {
  const flags = (result as ClusterResult).operatorNodeFlags ?? '';
  section(`${parseInt(key).toLocaleString('en-US')} policies${flags === '' ? '' : `, operator run with \`${flags}\``}`, result as Provenance, clusterRows(result as ClusterResult));
}
const flowSchemas = results.flowschemas as (Provenance & FlowSchemaResult) | undefined;
if (flowSchemas !== undefined) section(`${flowSchemas.flowSchemas.toLocaleString('en-US')} per-policy FlowSchemas`, flowSchemas, flowSchemaRows(flowSchemas));
