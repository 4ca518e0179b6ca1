/**
 * `npm run bench`: the figures of issue 8. Progress goes to stderr, the tables to stdout, every figure to
 * bench/results.json. See docs/benchmarks.md for the method and `npm run bench -- --help` for the flags.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/bundle.ts';
import { benchHelp, BenchUsageError, parseBenchArgs, type BenchOptions } from './lib/args.ts';
import { runCluster } from './lib/cluster-run.ts';
import { measureFlowSchemas } from './lib/flowschemas.ts';
import { measureRender } from './lib/render.ts';
import { clusterRows, flowSchemaRows, renderRows, type Row } from './lib/report.ts';
import { provenance, readResults, writeResults } from './lib/results.ts';
import { textTable } from './lib/table.ts';

const progress = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const print = (title: string, rows: readonly Row[]): void =>
  void process.stdout.write(`\n${title}\n${textTable(['figure', 'value', 'target', ''], rows)}`);

async function main(options: BenchOptions): Promise<void> {
  const results = readResults(options.out, options.fresh);
  const save = (): void => writeResults(options.out, results);
  if (options.sections.includes('render')) {
    progress(`render: ${options.renderPolicies} policies, 3 repetitions per format after a warm-up`);
    const runs = measureRender(options.renderPolicies, 3, progress);
    results.render = { ...provenance(), runs };
    save();
    print('Render (bulkhead render, parsing included)', renderRows(runs));
  }
  if (options.sections.includes('audit')) {
    progress('audit: bench/audit.bench.ts');
    const output = execFileSync(process.execPath, [fileURLToPath(new URL('./audit.bench.ts', import.meta.url))], { encoding: 'utf8' });
    results.audit = { ...provenance(), output: output.trimEnd().split('\n') };
    save();
    process.stdout.write(`\nAudit evaluation (bench/audit.bench.ts)\n${output}`);
  }
  if (options.sections.includes('cluster')) {
    if (options.operator === 'bundle') {
      progress('bundling the operator (dist/bulkhead.mjs, what the image runs)');
      await bundle();
    }
    for (const size of options.sizes) {
      const result = await runCluster(size, options, progress);
      // A run with extra Node flags for the operator (an investigation) is kept beside the plain one, not over it.
      const key = result.operatorNodeFlags === '' ? String(size) : `${size} ${result.operatorNodeFlags}`;
      results.cluster = { ...results.cluster, [key]: { ...provenance(), ...result } };
      save();
      print(`Cluster run: ${size.toLocaleString('en-US')} policies${result.operatorNodeFlags === '' ? '' : `, operator run with ${result.operatorNodeFlags}`}`, clusterRows(result));
    }
  }
  if (options.sections.includes('flowschemas')) {
    const result = await measureFlowSchemas(options.flowSchemas, options.probes, progress);
    results.flowschemas = { ...provenance(), ...result };
    save();
    print(`Per-policy FlowSchemas: what ${options.flowSchemas} cost other clients`, flowSchemaRows(result));
  }
  progress(`figures written to ${options.out}`);
}

try {
  const options = parseBenchArgs(process.argv.slice(2), process.env);
  if (options === 'help') process.stdout.write(benchHelp);
  else await main(options);
} catch (error) {
  if (error instanceof BenchUsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`bench: ${error.message}\n${benchHelp}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
