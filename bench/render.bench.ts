// Renders 10,000 policies the way `bulkhead render` does and prints policies per second, end to end and per phase
// (read the YAML input, validate, build and print the objects). Run with `npm run bench`; BENCH_POLICIES=n to resize.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCeilingRules } from '../src/api/v1alpha1/ceiling.ts';
import { checkDocuments } from '../src/cli/check-policies.ts';
import { parseDocuments, type InputResult } from '../src/cli/policy-input.ts';
import { renderPolicies } from '../src/cli/render-output.ts';
import { defaultOperatorConfig } from '../src/config.ts';

const count = Number(process.env['BENCH_POLICIES'] ?? 10_000);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const samples = ['typical', 'maximal', 'ipv6', 'secrets'].map((name) =>
  readFileSync(join(root, 'manifests/samples', `${name}.yaml`), 'utf8'),
);

// Distinct policies: each sample renamed, with its own namespace and RuntimeClass where it names them.
const yamlStream = Array.from({ length: count }, (_, i) =>
  (samples[i % samples.length] ?? '')
    .replace(/^ {2}name: [a-z-]+$/m, `  name: bench-${i}`)
    .replace(/name: agents-maximal/, `name: agents-bench-${i}`)
    .replace(/name: gvisor-maximal/, `name: gvisor-bench-${i}`),
).join('\n---\n');

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
const rate = (s: number): string => `${Math.round(count / s)} policies/s`.padStart(18);

function run(label: string, text: string, format: 'yaml' | 'json'): void {
  let t = process.hrtime.bigint();
  const input: InputResult = { documents: [], problems: [] };
  parseDocuments('bench', text, input);
  const read = seconds(t);
  t = process.hrtime.bigint();
  const checked = checkDocuments(input.documents, { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules });
  const validate = seconds(t);
  if (checked.problems.length > 0 || checked.valid.length !== count) {
    throw new Error(`bench input is not ${count} valid policies: ${checked.problems.slice(0, 3).join('; ')}`);
  }
  t = process.hrtime.bigint();
  const result = renderPolicies(checked.valid.map((v) => v.policy), defaultOperatorConfig, format);
  const render = seconds(t);
  const total = read + validate + render;
  process.stdout.write(
    `${label}: ${count} policies -> ${result.objectCount} objects (${(result.text.length / 1e6).toFixed(0)} MB) in ${total.toFixed(2)} s ` +
      `= ${rate(total).trim()}\n` +
      `    read input ${read.toFixed(2)} s ${rate(read)}\n` +
      `    validate   ${validate.toFixed(2)} s ${rate(validate)}\n` +
      `    render     ${render.toFixed(2)} s ${rate(render)}\n`,
  );
}

const jsonInput = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: (() => {
  const input: InputResult = { documents: [], problems: [] };
  parseDocuments('bench', yamlStream, input);
  return input.documents.map((d) => d.value);
})() });

run('warm-up', yamlStream, 'yaml');
run('YAML in, YAML out', yamlStream, 'yaml');
run('JSON in, JSON out', jsonInput, 'json');
