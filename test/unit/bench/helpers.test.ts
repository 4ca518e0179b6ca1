import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationMs, parseBenchArgs, phases } from '../../../bench/lib/args.ts';
import { operatorDefaultConcurrency } from '../../../bench/lib/phases/limit.ts';
import { cpuSecondsFromStat, memoryFromStatus } from '../../../bench/lib/proc.ts';
import { difference, groupSums, parseMetrics, sumOf } from '../../../bench/lib/prometheus.ts';
import { percentile, perMinute, summarize } from '../../../bench/lib/stats.ts';
import { formatCell, markdownTable, textTable } from '../../../bench/lib/table.ts';
import { isReady } from '../../../bench/lib/watchers.ts';

test('percentiles by nearest rank: p99 of 50 samples is the largest', () => {
  const samples = Array.from({ length: 50 }, (_, i) => 50 - i);
  assert.equal(percentile(samples, 50), 25);
  assert.equal(percentile(samples, 99), 50);
  assert.equal(percentile(samples, 0), 1);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], 101), RangeError);
  const s = summarize([1, 2, 3, 4]);
  assert.deepEqual([s.count, s.p50, s.p99, s.max, s.mean], [4, 2, 4, 4, 2.5]);
  assert.equal(perMinute(30, 60_000), 30);
  assert.equal(perMinute(10, 20_000), 30);
});

test('tables: numbers right-aligned with separators, text left-aligned, Markdown escapes pipes', () => {
  assert.equal(formatCell(12345), '12,345');
  assert.equal(formatCell(3.14159), '3.14');
  assert.equal(formatCell(42.42), '42.4');
  assert.equal(formatCell(123.4), '123');
  assert.equal(formatCell(undefined), '-');
  assert.equal(formatCell(Number.NaN), 'n/a');
  const text = textTable(['figure', 'value'], [['a', 1], ['longer', 1000]]);
  assert.equal(text, 'figure  value\n------  -----\na           1\nlonger  1,000\n');
  assert.equal(markdownTable(['f', 'v'], [['a|b', 2]]), '| f | v |\n|---|---:|\n| a\\|b | 2 |\n');
});

test('Prometheus text: samples with labels, sums and differences by key', () => {
  const text = [
    '# HELP apiserver_request_total Counter',
    '# TYPE apiserver_request_total counter',
    'apiserver_request_total{code="201",resource="namespaces",verb="POST"} 3',
    'apiserver_request_total{code="200",resource="namespaces",verb="APPLY"} 5',
    'apiserver_request_total{code="409",resource="namespaces",verb="APPLY"} 1',
    'rest_client_requests_total{code="200",host="h:1",method="GET"} 7 1700000000',
    'escaped{msg="a \\"quoted\\" word"} 1e3',
  ].join('\n');
  const samples = parseMetrics(text);
  assert.equal(samples.length, 5);
  assert.equal(sumOf(samples, 'apiserver_request_total', (l) => l['verb'] === 'APPLY'), 6);
  assert.equal(sumOf(samples, 'rest_client_requests_total'), 7);
  assert.equal(samples[4]?.labels['msg'], 'a "quoted" word');
  assert.equal(samples[4]?.value, 1000);
  const byVerb = groupSums(samples, 'apiserver_request_total', (l) => l['verb']);
  assert.deepEqual([...byVerb], [['POST', 3], ['APPLY', 6]]);
  assert.deepEqual([...difference(new Map([['a', 5], ['b', 2], ['c', 1]]), new Map([['a', 3], ['b', 2]]))], [['a', 2], ['c', 1]]);
  assert.equal(parseMetrics(text, new Set(['rest_client_requests_total'])).length, 1);
});

test('flags and their environment variables; defaults are issue 8\'s sizes', () => {
  const defaults = parseBenchArgs([], {});
  assert.ok(defaults !== 'help');
  assert.deepEqual(defaults.sizes, [100, 1000, 5000]);
  assert.deepEqual(defaults.sections, ['render', 'audit', 'cluster']);
  assert.equal(defaults.phases.size, phases.length);
  assert.equal(defaults.resyncMs, 20_000);
  const quick = parseBenchArgs(['--sizes', '100', '--phases', 'convergence,memory', '--resync', '5s'], { BENCH_SIZES: '7', BENCH_SAMPLES: '60' });
  assert.ok(quick !== 'help');
  assert.deepEqual(quick.sizes, [100]);
  assert.deepEqual([...quick.phases], ['convergence', 'memory']);
  assert.equal(quick.samples, 60);
  assert.equal(quick.resyncMs, 5000);
  assert.equal(parseBenchArgs(['--help'], {}), 'help');
  assert.throws(() => parseBenchArgs(['--sizes', '0'], {}), /positive integer/);
  assert.throws(() => parseBenchArgs(['--only', 'everything'], {}), /not one of/);
  assert.equal(durationMs('resync', '1.5m'), 90_000);
  assert.throws(() => durationMs('resync', '20'), /duration/);
});

test('/proc: CPU seconds after the command name (which may hold spaces and parentheses), RSS and its peak', () => {
  const stat = '4242 (kube (api) server) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 1000 200';
  assert.equal(cpuSecondsFromStat(stat, 100), 3);
  const memory = memoryFromStatus('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n');
  assert.deepEqual(memory, { rss: 100 * 1024 * 1024, peakRss: 200 * 1024 * 1024 });
});

test('Ready means Ready=True for the current generation', () => {
  const policy = (generation: number, observed: number, status: string) => ({
    metadata: { generation },
    status: { observedGeneration: observed, conditions: [{ type: 'Ready', status }] },
  });
  assert.equal(isReady(policy(2, 2, 'True')), true);
  assert.equal(isReady(policy(3, 2, 'True')), false);
  assert.equal(isReady(policy(2, 2, 'Unknown')), false);
  assert.equal(isReady({ metadata: { generation: 1 } }), false);
});

test('the baseline runs as many policies at once as the operator by default', () => {
  assert.ok(operatorDefaultConcurrency() >= 1);
});
