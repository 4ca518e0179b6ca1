import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { KindDiscovery, type KindRef, type ServedKindsPort } from '../../../src/controller/kind-discovery.ts';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

/** Lets pending promise callbacks run (mocked timers do not touch the microtask queue). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

const sealedSecret: KindRef = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' };
const widget: KindRef = { apiVersion: 'example.com/v1', kind: 'Widget' };

/** Discovery the test controls: which kinds the "API server" serves, or an error; counts requests. */
class FakeDiscovery implements ServedKindsPort {
  readonly serving = new Set<KindRef>();
  failure: Error | undefined;
  requests = 0;

  async served<K extends KindRef>(kinds: readonly K[]): Promise<ReadonlySet<K>> {
    this.requests += 1;
    if (this.failure !== undefined) throw this.failure;
    return new Set(kinds.filter((k) => this.serving.has(k)));
  }
}

function setup(kinds: KindRef[] = [sealedSecret, widget]) {
  const port = new FakeDiscovery();
  const events: string[] = [];
  const errors: unknown[] = [];
  let failServed = false;
  const discovery = new KindDiscovery({
    kinds,
    port,
    intervalMs: 2_000,
    onServed: async (k) => {
      if (failServed) throw new Error('informer did not start');
      events.push(`+${k.kind}`);
    },
    onUnserved: async (k) => void events.push(`-${k.kind}`),
    onError: (e) => void errors.push(e),
  });
  return { port, events, errors, discovery, failNextServed: (v: boolean) => (failServed = v) };
}

test('start polls at once and reports the kinds served already, before it resolves', async () => {
  const { port, events, discovery } = setup();
  port.serving.add(sealedSecret);
  await discovery.start();
  assert.deepEqual(events, ['+SealedSecret']);
  assert.ok(discovery.isServed(sealedSecret));
  assert.ok(!discovery.isServed(widget));
  assert.equal(port.requests, 1);
  await discovery.stop();
});

test('a kind that becomes served, then unserved, is reported once each way at the next poll', async () => {
  const { port, events, discovery } = setup();
  await discovery.start();
  assert.deepEqual(events, []);

  port.serving.add(sealedSecret);
  mock.timers.tick(1_999);
  await settle();
  assert.deepEqual(events, [], 'not before the interval');
  mock.timers.tick(1);
  await settle();
  assert.deepEqual(events, ['+SealedSecret']);

  mock.timers.tick(2_000);
  await settle();
  assert.deepEqual(events, ['+SealedSecret'], 'no change, no report');

  port.serving.delete(sealedSecret);
  port.serving.add(widget);
  mock.timers.tick(2_000);
  await settle();
  assert.deepEqual(events, ['+SealedSecret', '-SealedSecret', '+Widget']);
  assert.equal(port.requests, 4, 'one discovery request per poll, for all optional kinds');
  await discovery.stop();
});

test('a failed poll changes nothing, is reported, and the next poll goes on', async () => {
  const { port, events, errors, discovery } = setup();
  port.serving.add(sealedSecret);
  await discovery.start();
  port.failure = new Error('503 from discovery');
  mock.timers.tick(2_000);
  await settle();
  assert.deepEqual(events, ['+SealedSecret'], 'an error is not evidence that the kind went away');
  assert.equal(errors.length, 1);
  port.failure = undefined;
  port.serving.delete(sealedSecret);
  mock.timers.tick(2_000);
  await settle();
  assert.deepEqual(events, ['+SealedSecret', '-SealedSecret']);
  await discovery.stop();
});

test('a handler that fails is retried at the next poll', async () => {
  const { port, events, errors, discovery, failNextServed } = setup();
  port.serving.add(sealedSecret);
  failNextServed(true);
  await discovery.start();
  assert.deepEqual(events, []);
  assert.equal(errors.length, 1);
  assert.ok(!discovery.isServed(sealedSecret));
  failNextServed(false);
  mock.timers.tick(2_000);
  await settle();
  assert.deepEqual(events, ['+SealedSecret']);
  await discovery.stop();
});

test('stop ends the loop at once: no poll after it', async () => {
  const { port, discovery } = setup();
  await discovery.start();
  await discovery.stop();
  port.serving.add(sealedSecret);
  mock.timers.tick(10_000);
  await settle();
  assert.equal(port.requests, 1);
});

test('without optional kinds nothing is polled', async () => {
  const { port, discovery } = setup([]);
  await discovery.start();
  mock.timers.tick(10_000);
  await settle();
  assert.equal(port.requests, 0);
  await discovery.stop();
});

test('pollSoon (the CRD was created or established) polls at once and each second a few times, then the interval again', async () => {
  const { port, events, discovery } = setup();
  await discovery.start();
  await settle();
  assert.equal(port.requests, 1);
  discovery.pollSoon();
  await settle();
  assert.equal(port.requests, 2, 'at once');
  port.serving.add(sealedSecret); // discovery catches up with the CRD a moment later
  mock.timers.tick(1_000);
  await settle();
  assert.deepEqual(events, ['+SealedSecret']);
  for (let i = 0; i < 4; i++) {
    mock.timers.tick(1_000);
    await settle();
  }
  assert.equal(port.requests, 7, 'five quick polls after the one at once');
  mock.timers.tick(1_000);
  await settle();
  assert.equal(port.requests, 7, 'then the interval (2 s here) again');
  mock.timers.tick(1_000);
  await settle();
  assert.equal(port.requests, 8);
  await discovery.stop();
});
