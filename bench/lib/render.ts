/**
 * `bulkhead render` of many policies, end to end as the command runs it but for the file system: parse the input
 * (YAML stream or JSON List), validate, build and print every object. Distinct policies: the samples in rotation,
 * each renamed, with its own namespace and RuntimeClass where the sample names them.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { checkDocuments } from '../../src/cli/check-policies.ts';
import { parseDocuments, type InputResult } from '../../src/cli/policy-input.ts';
import { renderPolicies } from '../../src/cli/render-output.ts';
import { defaultOperatorConfig } from '../../src/config.ts';

export interface RenderPhases {
  readonly read: number;
  readonly validate: number;
  readonly render: number;
  readonly total: number;
}

export interface RenderRun {
  readonly format: 'yaml' | 'json';
  readonly policies: number;
  readonly objects: number;
  readonly outputBytes: number;
  /** Wall seconds per phase of the fastest repetition (the least disturbed by the machine's other work). */
  readonly best: RenderPhases;
  /** Its CPU seconds (user + system of this process, collector threads included). */
  readonly bestCpuSeconds: number;
  readonly medianTotal: number;
  readonly repetitions: number;
  /** Policies per second end to end, from the best wall time. */
  readonly policiesPerSecond: number;
  /**
   * The machine's 1-minute load average before and after this format's repetitions (the machine is shared); absent
   * from runs recorded before it was kept.
   */
  readonly loadAverage?: { readonly start: number; readonly end: number };
}

export function renderInput(count: number): { yaml: string; json: string } {
  const samples = ['typical', 'maximal', 'ipv6', 'secrets'].map((name) =>
    readFileSync(new URL(`../../manifests/samples/${name}.yaml`, import.meta.url), 'utf8'),
  );
  const yaml = Array.from({ length: count }, (_, i) =>
    (samples[i % samples.length] ?? '')
      .replace(/^ {2}name: [a-z-]+$/m, `  name: bench-${i}`)
      .replace(/name: agents-maximal/, `name: agents-bench-${i}`)
      .replace(/name: gvisor-maximal/, `name: gvisor-bench-${i}`),
  ).join('\n---\n');
  const input: InputResult = { documents: [], problems: [] };
  parseDocuments('bench', yaml, input);
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: input.documents.map((d) => d.value) });
  return { yaml, json };
}

const seconds = (start: number): number => (performance.now() - start) / 1000;

function once(text: string, format: 'yaml' | 'json', count: number): { phases: RenderPhases; cpu: number; objects: number; bytes: number } {
  const cpu = process.cpuUsage();
  let t = performance.now();
  const input: InputResult = { documents: [], problems: [] };
  parseDocuments('bench', text, input);
  const read = seconds(t);
  t = performance.now();
  const checked = checkDocuments(input.documents, { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules });
  const validate = seconds(t);
  if (checked.problems.length > 0 || checked.valid.length !== count) {
    throw new Error(`render input is not ${count} valid policies: ${checked.problems.slice(0, 3).join('; ')}`);
  }
  t = performance.now();
  const result = renderPolicies(checked.valid.map((v) => v.policy), defaultOperatorConfig, format);
  const render = seconds(t);
  const used = process.cpuUsage(cpu);
  return {
    phases: { read, validate, render, total: read + validate + render },
    cpu: (used.user + used.system) / 1e6,
    objects: result.objectCount,
    bytes: Buffer.byteLength(result.text),
  };
}

export function measureRender(count: number, repetitions: number, progress: (line: string) => void): RenderRun[] {
  const input = renderInput(count);
  once(input.yaml, 'yaml', count); // warm-up: compile the hot paths once before timing anything
  return (['yaml', 'json'] as const).map((format) => {
    const loadStart = loadavg()[0] ?? 0;
    const runs = Array.from({ length: repetitions }, () => once(format === 'yaml' ? input.yaml : input.json, format, count));
    const sorted = [...runs].sort((a, b) => a.phases.total - b.phases.total);
    const best = sorted[0] as (typeof runs)[number];
    const loadEnd = loadavg()[0] ?? 0;
    const run: RenderRun = {
      format,
      policies: count,
      objects: best.objects,
      outputBytes: best.bytes,
      best: best.phases,
      bestCpuSeconds: best.cpu,
      medianTotal: (sorted[Math.floor(sorted.length / 2)] as (typeof runs)[number]).phases.total,
      repetitions,
      policiesPerSecond: count / best.phases.total,
      loadAverage: { start: loadStart, end: loadEnd },
    };
    progress(
      `render ${format.toUpperCase()} in, ${format.toUpperCase()} out: ${count} policies -> ${run.objects} objects in ${best.phases.total.toFixed(2)} s ` +
        `(read ${best.phases.read.toFixed(2)}, validate ${best.phases.validate.toFixed(2)}, render ${best.phases.render.toFixed(2)}) = ${Math.round(run.policiesPerSecond)} policies/s ` +
        `(load average ${loadStart.toFixed(1)} / ${loadEnd.toFixed(1)})`,
    );
    return run;
  });
}
