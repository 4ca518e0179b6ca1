import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from '../../../src/observability/controller-metrics.ts';
import { Registry } from '../../../src/observability/metrics.ts';

test('counters, gauges and histograms render the Prometheus text format', () => {
  const registry = new Registry();
  const requests = registry.counter('requests_total', 'Requests', ['code', 'method']);
  const depth = registry.gauge('depth', 'Depth');
  const latency = registry.histogram('latency_seconds', 'Latency', ['op'], [0.1, 1]);
  requests.inc({ code: '200', method: 'GET' });
  requests.inc({ method: 'GET', code: '200' }, 2);
  requests.inc({ code: '500', method: 'PATCH' });
  depth.set({}, 4);
  latency.observe({ op: 'a"b\\c\nd' }, 0.05);
  latency.observe({ op: 'a"b\\c\nd' }, 0.5);
  latency.observe({ op: 'a"b\\c\nd' }, 5);
  assert.equal(
    registry.render(),
    [
      '# HELP requests_total Requests',
      '# TYPE requests_total counter',
      'requests_total{code="200",method="GET"} 3',
      'requests_total{code="500",method="PATCH"} 1',
      '# HELP depth Depth',
      '# TYPE depth gauge',
      'depth 4',
      '# HELP latency_seconds Latency',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{op="a\\"b\\\\c\\nd",le="0.1"} 1',
      'latency_seconds_bucket{op="a\\"b\\\\c\\nd",le="1"} 2',
      'latency_seconds_bucket{op="a\\"b\\\\c\\nd",le="+Inf"} 3',
      'latency_seconds_sum{op="a\\"b\\\\c\\nd"} 5.55',
      'latency_seconds_count{op="a\\"b\\\\c\\nd"} 3',
      '',
    ].join('\n'),
  );
  assert.equal(requests.get({ code: '200', method: 'GET' }), 3);
  assert.throws(() => requests.inc({ verb: 'x' }), /no label "verb"/);
  assert.throws(() => requests.inc({}, -1), RangeError);
  assert.throws(() => registry.counter('requests_total', 'again'), /already registered/);
  assert.throws(() => registry.counter('bad-name', 'x'), /invalid metric name/);
});

test('Metrics carries controller-runtime names and adapts queue and worker hooks', () => {
  const metrics = new Metrics();
  const queue = metrics.workQueueHooks();
  queue.add?.('agentpolicy');
  queue.retry?.('agentpolicy');
  queue.depth?.('agentpolicy', 3);
  queue.workDuration?.('agentpolicy', 0.2);
  const errors: string[] = [];
  const observer = metrics.reconcileObserver('agentpolicy', (key) => errors.push(key));
  observer.reconciled?.('a', 'success', 0.1);
  observer.reconciled?.('b', 'error', 0.3);
  observer.failed?.('b', new Error('x'), 1);
  metrics.setPolicyCounts({ True: 2 });
  metrics.applySkipped.inc({ kind: 'NetworkPolicy' });
  metrics.restClientRequests.inc({ code: '200', method: 'PATCH', host: '127.0.0.1:6443' });
  const text = metrics.registry.render();
  for (const line of [
    'controller_runtime_reconcile_total{controller="agentpolicy",result="success"} 1',
    'controller_runtime_reconcile_total{controller="agentpolicy",result="error"} 1',
    'controller_runtime_reconcile_errors_total{controller="agentpolicy"} 1',
    'controller_runtime_reconcile_time_seconds_count{controller="agentpolicy"} 2',
    'workqueue_depth{name="agentpolicy"} 3',
    'workqueue_adds_total{name="agentpolicy"} 1',
    'workqueue_retries_total{name="agentpolicy"} 1',
    'workqueue_work_duration_seconds_count{name="agentpolicy"} 1',
    'rest_client_requests_total{code="200",method="PATCH",host="127.0.0.1:6443"} 1',
    'bulkhead_policies{ready="True"} 2',
    'bulkhead_policies{ready="False"} 0',
    'bulkhead_policies{ready="Unknown"} 0',
    'bulkhead_apply_skipped_total{kind="NetworkPolicy"} 1',
  ]) {
    assert.ok(text.includes(`${line}\n`), `missing ${line}`);
  }
  assert.deepEqual(errors, ['b']);
});
