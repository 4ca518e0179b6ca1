import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHealthServer } from '../../../src/observability/health-server.ts';

test('healthz, readyz and metrics on an ephemeral port', async () => {
  let ready: boolean | string = 'caches not synced';
  const server = await startHealthServer({ port: 0, host: '127.0.0.1', ready: () => ready, metrics: () => 'up 1\n' });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok\n');
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal(await notReady.text(), 'not ready: caches not synced\n');
    ready = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(await metrics.text(), 'up 1\n');
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});

test('a throwing or rejecting readiness check is not ready', async () => {
  const server = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    ready: async () => {
      throw new Error('lease store unreachable');
    },
    metrics: () => '',
  });
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    assert.equal(response.status, 503);
    assert.equal(await response.text(), 'not ready: lease store unreachable\n');
  } finally {
    await server.close();
  }
});
