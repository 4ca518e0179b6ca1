/**
 * `npm run bench -- [flags]`, each flag also settable from the environment (CI sets variables more easily than
 * arguments). Pure: parsed from argv and env, validated, with the defaults of issue 8.
 */
import { parseArgs } from 'node:util';

export const sections = ['render', 'audit', 'cluster', 'flowschemas'] as const;
export type Section = (typeof sections)[number];

/** What one cluster run measures; `--phases` picks some (the 10,000 memory point needs only convergence and memory). */
export const phases = ['convergence', 'memory', 'latency', 'restart', 'rest', 'apiserver', 'limit'] as const;
export type Phase = (typeof phases)[number];

export interface BenchOptions {
  readonly sections: readonly Section[];
  readonly sizes: readonly number[];
  readonly phases: ReadonlySet<Phase>;
  /** Create-to-Ready and repair samples per size. */
  readonly samples: number;
  /** The short resync of the at-rest phase, in milliseconds. */
  readonly resyncMs: number;
  /** Policies the render measurement renders. */
  readonly renderPolicies: number;
  /** FlowSchemas the FlowSchema experiment creates. */
  readonly flowSchemas: number;
  /** Probe requests per latency measurement of another client. */
  readonly probes: number;
  /** What the operator child runs: the esbuild bundle (what the image runs) or the TypeScript sources. */
  readonly operator: 'bundle' | 'source';
  readonly out: string;
  /** Start results.json over instead of replacing only the entries this run measured. */
  readonly fresh: boolean;
}

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

export const benchHelp = `Usage: npm run bench -- [flags]

  --only LIST          sections to run: render, audit, cluster, flowschemas (default: render,audit,cluster)  [BENCH_ONLY]
  --sizes LIST         policies per cluster run (default 100,1000,5000)                                    [BENCH_SIZES]
  --phases LIST        convergence, memory, latency, restart, rest, apiserver, limit (default: all)         [BENCH_PHASES]
  --samples N          create-to-Ready and repair samples per size (default 50)                              [BENCH_SAMPLES]
  --resync DURATION    the short resync of the at-rest phase (default 20s)                                   [BENCH_RESYNC]
  --render-policies N  policies the render measurement renders (default 10000)                              [BENCH_POLICIES]
  --flowschemas N      FlowSchemas of the FlowSchema experiment (default 1000)                              [BENCH_FLOWSCHEMAS]
  --probes N           requests per latency probe of another client (default 200)                           [BENCH_PROBES]
  --operator KIND      bundle (what the image runs, default) or source                                       [BENCH_OPERATOR]
  --out FILE           results file (default bench/results.json); entries of sizes not run are kept         [BENCH_OUT]
  --fresh              start the results file over
`;

function list(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new BenchUsageError(`--${flag} needs at least one value`);
  return items;
}

function positive(flag: string, text: string): number {
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new BenchUsageError(`--${flag} must be a positive integer, not "${text}"`);
  return value;
}

function oneOf<T extends string>(flag: string, allowed: readonly T[], value: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new BenchUsageError(`--${flag}: "${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

export function durationMs(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (match === null) throw new BenchUsageError(`--${flag} must be a duration like 20s, 1m or 500ms, not "${text}"`);
  const unit = match[2] === 'ms' ? 1 : match[2] === 's' ? 1000 : 60_000;
  return Number(match[1]) * unit;
}

export function parseBenchArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string' },
      sizes: { type: 'string' },
      phases: { type: 'string' },
      samples: { type: 'string' },
      resync: { type: 'string' },
      'render-policies': { type: 'string' },
      flowschemas: { type: 'string' },
      probes: { type: 'string' },
      operator: { type: 'string' },
      out: { type: 'string' },
      fresh: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) return 'help';
  const pick = (flag: keyof typeof values, variable: string): string | undefined => (values[flag] as string | undefined) ?? env[variable];
  const only = pick('only', 'BENCH_ONLY');
  const phaseList = pick('phases', 'BENCH_PHASES');
  return {
    sections: only === undefined ? ['render', 'audit', 'cluster'] : list('only', only).map((s) => oneOf('only', sections, s)),
    sizes: list('sizes', pick('sizes', 'BENCH_SIZES') ?? '100,1000,5000').map((s) => positive('sizes', s)),
    phases: new Set(phaseList === undefined ? phases : list('phases', phaseList).map((p) => oneOf('phases', phases, p))),
    samples: positive('samples', pick('samples', 'BENCH_SAMPLES') ?? '50'),
    resyncMs: durationMs('resync', pick('resync', 'BENCH_RESYNC') ?? '20s'),
    renderPolicies: positive('render-policies', pick('render-policies', 'BENCH_POLICIES') ?? '10000'),
    flowSchemas: positive('flowschemas', pick('flowschemas', 'BENCH_FLOWSCHEMAS') ?? '1000'),
    probes: positive('probes', pick('probes', 'BENCH_PROBES') ?? '200'),
    operator: oneOf('operator', ['bundle', 'source'] as const, pick('operator', 'BENCH_OPERATOR') ?? 'bundle'),
    out: pick('out', 'BENCH_OUT') ?? 'bench/results.json',
    fresh: values.fresh === true,
  };
}
