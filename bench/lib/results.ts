/**
 * bench/results.json: the latest figures of every section and size, each with when and on what commit it was
 * measured. A run replaces only the entries it measured, so the sizes can be run one at a time (the 10,000-policy
 * memory point, once); `--fresh` starts over.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface Provenance {
  readonly measuredAt: string;
  readonly commit: string;
  readonly dirty: boolean;
}

export interface ResultsFile {
  machine?: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  render?: unknown;
  audit?: unknown;
  cluster?: Record<string, unknown>;
  flowschemas?: unknown;
}

export function provenance(): Provenance {
  const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
  return { measuredAt: new Date().toISOString(), commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
}

export function readResults(path: string, fresh: boolean): ResultsFile {
  if (fresh || !existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;
}

/** Six significant digits for every fraction: the further digits of a timing are noise. */
function rounded(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(6)) : value;
}

export function writeResults(path: string, results: ResultsFile): void {
  results.machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  writeFileSync(path, `${JSON.stringify(results, rounded, 2)}\n`);
}
