import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { ExponentialBackoffRateLimiter } from '../../../src/controller/rate-limiter.ts';
import { startWorkers } from '../../../src/controller/workers.ts';
import { WorkQueue, type WorkQueueMetrics } from '../../../src/controller/workqueue.ts';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
afterEach(() => mock.timers.reset());

/**
 * Lets pending promise callbacks run (mocked timers do not touch the microtask queue), and the turns of the event
 * loop a worker yields between keys (setImmediate is not mocked).
 */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) {
    for (let i = 0; i < 10; i++) await Promise.resolve();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function queue(metrics?: WorkQueueMetrics): WorkQueue {
  return new WorkQueue({
    name: 'test',
    rateLimiter: new ExponentialBackoffRateLimiter({ random: () => 0 }),
    now: () => Date.now(),
    ...(metrics ? { metrics } : {}),
  });
}

test('add merges duplicates: a key queued twice is handed out once, in FIFO order', async () => {
  const q = queue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
});

test('a key re-added while processing is not handed out again until done, then exactly once', async () => {
  const q = queue();
  q.add('a');
  assert.equal(await q.get(), 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.length, 0, 'dirty, not queued, while processing');
  let second: string | undefined;
  void q.get().then((k) => (second = k));
  await settle();
  assert.equal(second, undefined);
  q.done('a');
  await settle();
  assert.equal(second, 'a');
  q.done('a');
  assert.equal(q.length, 0);
});

test('get waits for an add', async () => {
  const q = queue();
  const pending = q.get();
  q.add('x');
  assert.equal(await pending, 'x');
});

test('addAfter queues after the delay; the earliest pending delay wins', async () => {
  const q = queue();
  q.addAfter('a', 1_000);
  q.addAfter('a', 5_000);
  assert.equal(q.length, 0);
  mock.timers.tick(999);
  assert.equal(q.length, 0);
  mock.timers.tick(1);
  assert.equal(q.length, 1);
  mock.timers.tick(10_000);
  assert.equal(q.length, 1, 'the later addAfter was merged into the earlier one');

  q.addAfter('b', 5_000);
  q.addAfter('b', 100);
  mock.timers.tick(100);
  assert.equal(q.length, 2, 'an earlier addAfter replaces a later pending one');
  q.addAfter('c', 0);
  assert.equal(q.length, 3, 'no delay is an immediate add');
});

test('addRateLimited backs off exponentially per key; forget resets the backoff', async () => {
  const q = queue();
  q.addRateLimited('a');
  mock.timers.tick(4);
  assert.equal(q.length, 0);
  mock.timers.tick(1);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  q.addRateLimited('a');
  mock.timers.tick(9);
  assert.equal(q.length, 0);
  mock.timers.tick(1);
  assert.equal(q.length, 1);
  assert.equal(q.numRequeues('a'), 2);
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
});

test('metrics hooks see depth, adds, retries and work duration', async () => {
  const seen = { adds: 0, retries: 0, depth: [] as number[], work: [] as number[], waited: [] as number[] };
  const q = queue({
    add: () => seen.adds++,
    retry: () => seen.retries++,
    depth: (_name, depth) => seen.depth.push(depth),
    workDuration: (_name, seconds) => seen.work.push(seconds),
    queueDuration: (_name, seconds) => seen.waited.push(seconds),
  });
  q.add('a');
  q.add('a');
  q.add('b');
  mock.timers.tick(500);
  const key = await q.get();
  assert.equal(key, 'a');
  mock.timers.tick(2_000);
  q.done('a');
  q.addRateLimited('c');
  assert.equal(seen.adds, 2);
  assert.equal(seen.retries, 1);
  assert.deepEqual(seen.depth, [1, 2, 1]);
  assert.deepEqual(seen.work, [2]);
  assert.deepEqual(seen.waited, [0.5]);
});

test('shutDown wakes waiting workers with undefined and ignores later adds', async () => {
  const q = queue();
  const waiting = q.get();
  q.addAfter('later', 1_000);
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add('a');
  mock.timers.tick(2_000);
  assert.equal(q.length, 0);
  assert.equal(await q.get(), undefined);
  assert.equal(q.shuttingDown, true);
});

test('shutDownWithDrain resolves only after in-flight keys are done', async () => {
  const q = queue();
  q.add('a');
  q.add('b');
  assert.equal(await q.get(), 'a');
  let drained = false;
  void q.shutDownWithDrain().then(() => (drained = true));
  await settle();
  assert.equal(drained, false);
  assert.equal(await q.get(), undefined, 'no new work starts during the drain');
  q.done('a');
  await settle();
  assert.equal(drained, true);
  await q.shutDownWithDrain();
});

test('workers: never two on one key, concurrency bounded, failures retried with backoff, success forgotten', async () => {
  const q = queue();
  let running = 0;
  let maxRunning = 0;
  const active = new Set<string>();
  const calls: string[] = [];
  const gates = new Map<string, () => void>();
  let failuresLeft = 2;
  const failures: string[] = [];
  const outcomes: string[] = [];
  const pool = startWorkers({
    queue: q,
    concurrency: 2,
    now: () => Date.now(),
    observer: {
      failed: (key, error, retries) => failures.push(`${key}:${(error as Error).message}:${retries}`),
      reconciled: (key, outcome) => outcomes.push(`${key}:${outcome}`),
    },
    reconcile: async (key) => {
      assert.ok(!active.has(key), `key ${key} processed twice at once`);
      active.add(key);
      running++;
      maxRunning = Math.max(maxRunning, running);
      calls.push(key);
      await new Promise<void>((resolve) => gates.set(key, resolve));
      running--;
      active.delete(key);
      if (key === 'flaky' && failuresLeft-- > 0) throw new Error('boom');
    },
  });
  q.add('a');
  q.add('b');
  q.add('c');
  await settle();
  assert.deepEqual(calls, ['a', 'b']);
  q.add('a'); // re-added while processing
  await settle();
  assert.deepEqual(calls, ['a', 'b']);
  gates.get('a')?.();
  await settle();
  assert.deepEqual(calls, ['a', 'b', 'c'], 'a is re-queued behind c');
  gates.get('b')?.();
  await settle();
  assert.deepEqual(calls, ['a', 'b', 'c', 'a']);
  gates.get('c')?.();
  gates.get('a')?.();
  await settle();
  assert.equal(maxRunning, 2);

  q.add('flaky');
  await settle();
  gates.get('flaky')?.();
  await settle();
  assert.deepEqual(failures, ['flaky:boom:1']);
  mock.timers.tick(5);
  await settle();
  gates.get('flaky')?.();
  await settle();
  assert.deepEqual(failures, ['flaky:boom:1', 'flaky:boom:2']);
  mock.timers.tick(9);
  await settle();
  assert.equal(calls.filter((k) => k === 'flaky').length, 2, 'second retry waits 10 ms');
  mock.timers.tick(1);
  await settle();
  gates.get('flaky')?.();
  await settle();
  assert.equal(q.numRequeues('flaky'), 0, 'success forgets the failures');
  assert.deepEqual(outcomes.slice(-3), ['flaky:error', 'flaky:error', 'flaky:success']);

  q.shutDown();
  await pool.finished;
});

test('workers: requeueAfter schedules a fresh pass, requeue backs off, drain waits for the running reconcile', async () => {
  const q = queue();
  const calls: string[] = [];
  let release: (() => void) | undefined;
  const pool = startWorkers({
    queue: q,
    reconcile: async (key) => {
      calls.push(key);
      if (key === 'after') return { requeueAfterMs: 30_000 };
      if (key === 'again') return { requeue: true };
      await new Promise<void>((resolve) => (release = resolve));
    },
  });
  q.add('after');
  q.add('again');
  await settle();
  assert.deepEqual(calls, ['after', 'again']);
  mock.timers.tick(5);
  await settle();
  assert.deepEqual(calls, ['after', 'again', 'again']);
  assert.equal(q.numRequeues('after'), 0);
  q.forget('again');
  mock.timers.tick(30_000);
  await settle();
  assert.ok(calls.filter((k) => k === 'after').length === 2);

  q.add('slow');
  await settle();
  let drained = false;
  void q.shutDownWithDrain().then(() => (drained = true));
  await settle();
  assert.equal(drained, false);
  release?.();
  await pool.finished;
  await settle();
  assert.equal(drained, true);
});

test('workers reject a bad concurrency', () => {
  assert.throws(() => startWorkers({ queue: queue(), reconcile: async () => {}, concurrency: 0 }), RangeError);
});

test('workers yield to the event loop between keys: passes that do no I/O cannot starve timers and sockets', async () => {
  mock.timers.reset(); // real timers: the point is what the event loop gets to run
  const q = queue();
  const keys = Array.from({ length: 2_000 }, (_, i) => `p${i}`);
  for (const key of keys) q.add(key);
  let done = 0;
  let doneWhenTimerFired: number | undefined;
  setTimeout(() => (doneWhenTimerFired = done), 0);
  const pool = startWorkers({
    queue: q,
    concurrency: 4,
    // Everything cached: no I/O, the promise resolves at once.
    reconcile: async () => {
      done++;
    },
  });
  while (done < keys.length) await new Promise<void>((resolve) => setImmediate(resolve));
  q.shutDown();
  await pool.finished;
  assert.ok(doneWhenTimerFired !== undefined && doneWhenTimerFired < keys.length / 2, `a 0 ms timer fired after ${doneWhenTimerFired} of ${keys.length} passes`);
});
