import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import {
  LeaderElector,
  leaderIdentity,
  LeaseConflictError,
  type LeaseRecord,
  type LeaseStore,
  type StoredLease,
} from '../../../src/controller/leader-election.ts';
import { fromLease, toLease } from '../../../src/kube/lease-store.ts';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
afterEach(() => mock.timers.reset());

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Advance fake time in small steps so chained timers and promises interleave as in real time. */
async function advance(ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    mock.timers.tick(Math.min(step, ms - t));
    await settle();
  }
}

class MemoryLeaseStore implements LeaseStore {
  lease: StoredLease | undefined;
  version = 0;
  failing = false;
  writes: LeaseRecord[] = [];

  async get(): Promise<StoredLease | undefined> {
    if (this.failing) throw new Error('apiserver down');
    return this.lease;
  }
  async create(record: LeaseRecord): Promise<StoredLease> {
    if (this.failing) throw new Error('apiserver down');
    if (this.lease !== undefined) throw new LeaseConflictError('exists');
    return this.#store(record);
  }
  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    if (this.failing) throw new Error('apiserver down');
    if (this.lease?.resourceVersion !== resourceVersion) throw new LeaseConflictError('stale');
    return this.#store(record);
  }
  #store(record: LeaseRecord): StoredLease {
    this.writes.push(record);
    this.lease = { ...record, resourceVersion: String(++this.version) };
    return this.lease;
  }
}

function elector(store: LeaseStore, identity: string, events: string[]): LeaderElector {
  return new LeaderElector({
    store,
    identity,
    random: () => 0,
    onStartedLeading: () => events.push(`${identity} started`),
    onStoppedLeading: (reason) => events.push(`${identity} stopped ${reason}`),
  });
}

test('the first candidate creates the lease and renews it every retry period; a second waits', async () => {
  const store = new MemoryLeaseStore();
  const events: string[] = [];
  const a = elector(store, 'a', events);
  const b = elector(store, 'b', events);
  void a.run();
  await settle();
  assert.deepEqual(events, ['a started']);
  assert.equal(store.lease?.holderIdentity, 'a');
  assert.equal(store.lease?.leaseDurationSeconds, 15);
  void b.run();
  await advance(60_000);
  assert.deepEqual(events, ['a started']);
  assert.equal(store.lease?.holderIdentity, 'a');
  assert.ok(store.writes.length >= 29, `renewed every 2 s: ${store.writes.length} writes`);
  assert.equal(store.lease?.acquireTime, 1_000_000, 'renewals keep the acquire time');
  await a.stop();
  assert.deepEqual(events, ['a started', 'a stopped released']);
  assert.equal(store.lease?.holderIdentity, '');
  assert.equal(store.lease?.leaseDurationSeconds, 1);
  await advance(2_500);
  assert.deepEqual(events.at(-1), 'b started', 'a released lease is taken at the next retry');
  assert.equal(store.lease?.leaseTransitions, 1);
  await b.stop();
});

test('a holder that stops renewing is replaced only after the lease duration on the candidate\'s own clock', async () => {
  const store = new MemoryLeaseStore();
  // A lease renewed "in the future" by a skewed clock: the candidate measures from when it saw the record.
  store.lease = { holderIdentity: 'dead', leaseDurationSeconds: 15, acquireTime: 0, renewTime: 9e12, leaseTransitions: 3, resourceVersion: 'x' };
  const events: string[] = [];
  const b = elector(store, 'b', events);
  void b.run();
  await advance(14_000);
  assert.deepEqual(events, []);
  await advance(2_100);
  assert.deepEqual(events, ['b started']);
  assert.equal(store.lease?.leaseTransitions, 4);
  await b.stop();
});

test('the leader steps down when no renewal succeeds within the renew deadline', async () => {
  const store = new MemoryLeaseStore();
  const events: string[] = [];
  const errors: unknown[] = [];
  const withErrors = new LeaderElector({
    store,
    identity: 'a',
    random: () => 0,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: (reason) => events.push(`stopped ${reason}`),
    onError: (e) => errors.push(e),
  });
  const done = withErrors.run();
  await settle();
  store.failing = true;
  await advance(9_000);
  assert.deepEqual(events, ['started'], 'still leading inside the deadline');
  assert.equal(withErrors.isLeader, true);
  await advance(2_000);
  assert.deepEqual(events, ['started', 'stopped lost']);
  assert.equal(withErrors.isLeader, false);
  assert.ok(errors.length >= 4);
  await done;
});

test('a renewal that hangs is aborted at the renew deadline, so it cannot land after leadership is given up', async () => {
  const store = new MemoryLeaseStore();
  const events: string[] = [];
  const a = elector(store, 'a', events);
  void a.run();
  await advance(100);
  assert.deepEqual(events, ['a started']);
  const signals: AbortSignal[] = [];
  // From now on every read hangs until its signal aborts, as a request to an unreachable API server would.
  store.get = (signal?: AbortSignal) =>
    new Promise((_resolve, reject) => {
      if (signal === undefined) return;
      signals.push(signal);
      signal.addEventListener('abort', () => reject(signal.reason as Error));
    });
  await advance(12_000);
  assert.deepEqual(events, ['a started', 'a stopped lost']);
  assert.ok(signals.length > 0 && signals.every((s) => s.aborted), 'every hung renewal was aborted');
  await a.stop();
});

test('a conflicting update (another candidate won the race) is not a win', async () => {
  const store = new MemoryLeaseStore();
  store.lease = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: 0, renewTime: 0, leaseTransitions: 0, resourceVersion: '1' };
  const realUpdate = store.update.bind(store);
  let raced = false;
  store.update = async (record, rv) => {
    if (!raced) {
      raced = true;
      store.lease = { holderIdentity: 'other', leaseDurationSeconds: 15, acquireTime: Date.now(), renewTime: Date.now(), leaseTransitions: 1, resourceVersion: '2' };
    }
    return realUpdate(record, rv);
  };
  const events: string[] = [];
  const b = elector(store, 'b', events);
  void b.run();
  await advance(10_000);
  assert.deepEqual(events, []);
  await b.stop();
  assert.deepEqual(events, [], 'stopping a non-leader releases nothing');
  assert.equal(store.lease?.holderIdentity, 'other');
});

test('identities are unique per process start; options are validated', () => {
  const one = leaderIdentity('pod-a');
  assert.match(one, /^pod-a_[0-9a-f]{8}$/);
  assert.notEqual(one, leaderIdentity('pod-a'));
  assert.throws(
    () => new LeaderElector({ store: new MemoryLeaseStore(), identity: 'x', renewDeadlineMs: 20_000, onStartedLeading: () => {}, onStoppedLeading: () => {} }),
    RangeError,
  );
});

test('Lease objects round-trip with microsecond timestamps', () => {
  const lease = toLease('bulkhead', 'bulkhead-system', { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: 1_700_000_000_123, renewTime: 1_700_000_001_456, leaseTransitions: 2 }, '9');
  const json = JSON.parse(JSON.stringify(lease)) as { spec: { renewTime: string }; metadata: { resourceVersion: string } };
  assert.equal(json.spec.renewTime, '2023-11-14T22:13:21.456000Z');
  assert.equal(json.metadata.resourceVersion, '9');
  assert.deepEqual(fromLease(lease), {
    holderIdentity: 'a',
    leaseDurationSeconds: 15,
    acquireTime: 1_700_000_000_123,
    renewTime: 1_700_000_001_456,
    leaseTransitions: 2,
    resourceVersion: '9',
  });
});
