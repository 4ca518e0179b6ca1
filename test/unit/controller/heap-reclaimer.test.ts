import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeapReclaimer, worthReclaiming, type HeapFigures } from '../../../src/controller/heap-reclaimer.ts';

const mib = 1024 * 1024;

function harness(committedMiB: number) {
  const state = { now: 0, idle: true, committed: committedMiB * mib, collections: [] as unknown[] };
  const reclaims: { before: HeapFigures; after: HeapFigures }[] = [];
  const reclaimer = new HeapReclaimer({
    idle: () => state.idle,
    now: () => state.now,
    heap: () => ({ committed: state.committed, used: state.committed / 2 }),
    // A collection hands back half of what is committed, down to 40 MiB of live objects.
    gc: ((options: unknown) => {
      state.collections.push(options);
      state.committed = Math.max(40 * mib, state.committed / 2);
    }) as NodeJS.GCFunction,
    quietMs: 10_000,
    minIntervalMs: 60_000,
    reclaimed: (before, after) => reclaims.push({ before, after }),
  });
  /** The reclaimer's looks at these times (ms), in order. */
  const lookAt = (...times: number[]): void => {
    for (const time of times) {
      state.now = time;
      reclaimer.check();
    }
  };
  return { state, reclaims, reclaimer, lookAt };
}

test('a memory-reducing collection runs once the queues have been idle for the quiet period, and only then', () => {
  const { state, reclaims, reclaimer, lookAt } = harness(120);
  reclaimer.check();
  lookAt(9_999);
  assert.equal(state.collections.length, 0, 'idle for less than the quiet period');
  lookAt(10_000);
  assert.deepEqual(state.collections, [{ type: 'major', execution: 'sync', flavor: 'last-resort' }]);
  assert.deepEqual(reclaims, [{ before: { committed: 120 * mib, used: 60 * mib }, after: { committed: 60 * mib, used: 30 * mib } }]);
});

test('work in between restarts the quiet period', () => {
  const { state, reclaimer, lookAt } = harness(120);
  reclaimer.check();
  state.now = 8_000;
  state.idle = false;
  reclaimer.check();
  state.idle = true;
  lookAt(9_000);
  lookAt(18_000);
  assert.equal(state.collections.length, 0, 'idle since 9 s only');
  lookAt(19_000);
  assert.equal(state.collections.length, 1);
});

test('a pass follows another, one per look, while each still gives back a twentieth of the heap', () => {
  const { reclaims, reclaimer, lookAt } = harness(160);
  reclaimer.check();
  lookAt(10_000); // 160 -> 80
  lookAt(15_000); // 80 -> 40
  lookAt(20_000); // 40 -> 40: nothing more to give back
  lookAt(25_000);
  assert.deepEqual(
    reclaims.map((r) => [r.before.committed / mib, r.after.committed / mib]),
    [
      [160, 80],
      [80, 40],
      [40, 40],
    ],
  );
});

test('after a reclaim, another waits for the minimum interval and for the heap to grow again', () => {
  const { state, reclaimer, lookAt } = harness(60);
  reclaimer.check();
  lookAt(10_000); // 60 -> 40
  lookAt(15_000); // 40 -> 40, done
  assert.equal(state.collections.length, 2);
  state.committed = 200 * mib; // a resync pass or a wave of policies
  lookAt(74_999);
  assert.equal(state.collections.length, 2, 'within the minimum interval');
  lookAt(75_000);
  assert.equal(state.collections.length, 3);
  lookAt(80_000); // 100 -> 50
  lookAt(85_000); // 50 -> 40
  lookAt(90_000); // 40 -> 40, done
  assert.equal(state.collections.length, 6);
  // At rest the heap stays near the new baseline: no collection however long it stays idle.
  state.committed = 45 * mib;
  for (state.now = 150_000; state.now < 1_000_000; state.now += 5_000) reclaimer.check();
  assert.equal(state.collections.length, 6);
});

test('work in the middle of a run of passes ends it', () => {
  const { state, reclaimer, lookAt } = harness(160);
  reclaimer.check();
  lookAt(10_000); // 160 -> 80, another would follow
  state.idle = false;
  lookAt(15_000);
  state.idle = true;
  lookAt(20_000);
  lookAt(30_000);
  assert.equal(state.collections.length, 1, 'idle again, but within the minimum interval and without growth');
});

test('the heap must grow by a quarter and at least 16 MiB over the last reclaim', () => {
  assert.equal(worthReclaiming({ committed: 10 * mib, used: 5 * mib }, undefined), true, 'before the first reclaim, always');
  assert.equal(worthReclaiming({ committed: 60 * mib, used: 50 * mib }, 45 * mib), false, '+15 MiB is under 16 MiB');
  assert.equal(worthReclaiming({ committed: 61 * mib, used: 50 * mib }, 45 * mib), true);
  assert.equal(worthReclaiming({ committed: 590 * mib, used: 500 * mib }, 500 * mib), false, '+90 MiB is under a quarter of 500');
  assert.equal(worthReclaiming({ committed: 625 * mib, used: 500 * mib }, 500 * mib), true);
});

test('without --expose-gc the reclaimer is unavailable and does nothing', () => {
  const reclaimer = new HeapReclaimer({ idle: () => true, gc: undefined, now: () => 1e9 });
  assert.equal(reclaimer.available, false);
  reclaimer.start();
  reclaimer.check();
  reclaimer.stop();
});

test('on a real V8 heap, the reclaim hands back committed pages a regular full collection keeps', async () => {
  const { execFileSync } = await import('node:child_process');
  const module = new URL('../../../src/controller/heap-reclaimer.ts', import.meta.url).href;
  const script = `
    import { HeapReclaimer, v8Heap } from ${JSON.stringify(module)};
    let garbage = Array.from({ length: 300_000 }, (_, i) => ({ name: 'object-' + i, items: [i, i + 1] }));
    const kept = garbage.filter((_, i) => i % 10 === 0);
    garbage = undefined;
    globalThis.gc();
    const regular = v8Heap();
    let result;
    new HeapReclaimer({ idle: () => true, gc: globalThis.gc, quietMs: 0, reclaimed: (before, after) => (result = { before, after }) }).check();
    console.log(JSON.stringify({ regular, ...result, kept: kept.length }));
  `;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const { regular, after } = JSON.parse(out) as { regular: HeapFigures; after: HeapFigures };
  assert.ok(after.committed < regular.committed * 0.9, `committed ${after.committed} after the reclaim, ${regular.committed} after a regular full GC`);
});
