import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeApiError } from '../../../src/kube/errors.ts';
import { dropManagedFields, Informer, type ListResult, type ListWatchSource, type WatchEventType } from '../../../src/kube/informer.ts';
import { collectionPath } from '../../../src/kube/list-watch.ts';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
afterEach(() => mock.timers.reset());

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function obj(name: string, rv: string, namespace = 'ns'): KubernetesObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, resourceVersion: rv } };
}

interface OpenWatch {
  readonly resourceVersion: string;
  send(type: WatchEventType, object: unknown): void;
  end(error?: unknown): void;
  aborted: boolean;
}

/** A scripted source: lists answer from a queue; each watch is exposed to the test. */
class FakeSource implements ListWatchSource<KubernetesObject> {
  lists: (ListResult<KubernetesObject> | Error)[] = [];
  listCalls = 0;
  watches: OpenWatch[] = [];
  watchFailures: unknown[] = [];

  async list(): Promise<ListResult<KubernetesObject>> {
    this.listCalls++;
    const next = this.lists.shift();
    if (next === undefined) throw new Error('no list scripted');
    if (next instanceof Error) throw next;
    return next;
  }

  async watch(resourceVersion: string, onEvent: (t: WatchEventType, o: unknown) => void, onDone: (e: unknown) => void) {
    const failure = this.watchFailures.shift();
    if (failure !== undefined) {
      onDone(failure);
      return { abort: () => {} };
    }
    let done = false;
    const open: OpenWatch = {
      resourceVersion,
      aborted: false,
      send: (type, object) => onEvent(type, object),
      end: (error = null) => {
        if (!done) {
          done = true;
          onDone(error);
        }
      },
    };
    this.watches.push(open);
    return {
      abort: () => {
        open.aborted = true;
        const abortError = new Error('aborted');
        abortError.name = 'AbortError';
        open.end(abortError);
      },
    };
  }
}

function setup(source: FakeSource) {
  const events: string[] = [];
  const errors: { category: string; delay: number }[] = [];
  const informer = new Informer({
    name: 'ConfigMap',
    source,
    random: () => 1,
    onError: (error: KubeApiError, delay) => errors.push({ category: error.category, delay }),
  });
  informer.on({
    add: (o) => events.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    update: (o, old) => events.push(`update ${o.metadata?.name}@${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`),
    delete: (o) => events.push(`delete ${o.metadata?.name}`),
  });
  return { informer, events, errors };
}

test('lists, syncs, then watches from the list resourceVersion; events update the cache', async () => {
  const source = new FakeSource();
  source.lists.push({ items: [obj('a', '1'), obj('b', '2')], resourceVersion: '10' });
  const { informer, events } = setup(source);
  assert.equal(informer.hasSynced(), false);
  const synced = informer.waitForSync();
  informer.start();
  await synced;
  await settle();
  assert.equal(informer.hasSynced(), true);
  assert.deepEqual(events, ['add a@1', 'add b@2']);
  assert.equal(source.watches[0]?.resourceVersion, '10');
  const watch = source.watches[0]!;
  watch.send('MODIFIED', obj('a', '11'));
  watch.send('MODIFIED', obj('a', '11')); // replay: same resourceVersion, no event
  watch.send('ADDED', obj('c', '12', 'other'));
  watch.send('DELETED', obj('b', '13'));
  watch.send('BOOKMARK', { metadata: { resourceVersion: '20' } });
  assert.deepEqual(events.slice(2), ['update a@1->11', 'add c@12', 'delete b']);
  assert.equal(informer.get('a', 'ns')?.metadata?.resourceVersion, '11');
  assert.equal(informer.get('b', 'ns'), undefined);
  assert.deepEqual(informer.list('other').map((o) => o.metadata?.name), ['c']);
  assert.equal(informer.list().length, 2);
  assert.equal(informer.resourceVersion, '20');
  await informer.stop();
  assert.equal(watch.aborted, true);
});

test('a watch that ends cleanly or by client timeout resumes from the last resourceVersion without a relist', async () => {
  const source = new FakeSource();
  source.lists.push({ items: [], resourceVersion: '5' });
  const { informer, errors } = setup(source);
  informer.start();
  await settle();
  source.watches[0]!.send('ADDED', obj('a', '6'));
  mock.timers.tick(300_000);
  source.watches[0]!.end(null);
  await settle();
  assert.equal(source.watches[1]?.resourceVersion, '6');
  mock.timers.tick(30_000);
  const timeout = new Error('The operation was aborted due to timeout');
  timeout.name = 'TimeoutError';
  source.watches[1]!.end(timeout);
  await settle();
  assert.equal(source.watches.length, 3);
  assert.equal(source.listCalls, 1);
  assert.deepEqual(errors, []);
  await informer.stop();
});

test('410 Gone, as an ERROR event or a failed watch, relists at once and emits deletes for vanished objects', async () => {
  const source = new FakeSource();
  source.lists.push({ items: [obj('a', '1'), obj('b', '2')], resourceVersion: '10' });
  source.lists.push({ items: [obj('a', '1'), obj('c', '30')], resourceVersion: '31' });
  const { informer, events, errors } = setup(source);
  informer.start();
  await settle();
  source.watches[0]!.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
  await settle();
  assert.equal(source.watches[0]!.aborted, true);
  assert.equal(source.listCalls, 2);
  assert.deepEqual(errors, [{ category: 'Gone', delay: 0 }]);
  assert.deepEqual(events, ['add a@1', 'add b@2', 'add c@30', 'delete b']);
  assert.equal(source.watches[1]?.resourceVersion, '31');
  await informer.stop();
});

test('any other failure restarts after a jittered exponential backoff, reset by a healthy watch', async () => {
  const source = new FakeSource();
  source.lists.push(new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED'), { items: [], resourceVersion: '1' });
  const { informer, errors } = setup(source);
  informer.start();
  await settle();
  assert.deepEqual(errors, [{ category: 'Transient', delay: 800 }]);
  mock.timers.tick(799);
  await settle();
  assert.equal(source.listCalls, 1, 'no restart before the delay');
  mock.timers.tick(1);
  await settle();
  assert.equal(source.listCalls, 2);
  assert.deepEqual(errors[1], { category: 'Transient', delay: 1_600 });
  mock.timers.tick(1_600);
  await settle();
  assert.equal(informer.hasSynced(), true);

  // A forbidden watch (RBAC not yet effective) backs off too and keeps the resourceVersion.
  source.watches[0]!.end(Object.assign(new Error('Forbidden'), { statusCode: 403 }));
  await settle();
  assert.deepEqual(errors[2], { category: 'Forbidden', delay: 3_200 });
  mock.timers.tick(3_200);
  await settle();
  assert.equal(source.watches[1]?.resourceVersion, '1');
  source.watches[1]!.send('ADDED', obj('x', '2'));
  source.watches[1]!.end(Object.assign(new Error('Internal'), { statusCode: 500 }));
  await settle();
  assert.deepEqual(errors[3], { category: 'Transient', delay: 800 }, 'an event resets the backoff');
  await informer.stop();
});

test('the backoff is capped at 30 s, and a watch closing at once without events counts as a failure', async () => {
  const source = new FakeSource();
  source.lists.push({ items: [], resourceVersion: '1' });
  const { informer, errors } = setup(source);
  informer.start();
  await settle();
  for (let i = 0; i < 8; i++) {
    source.watches.at(-1)!.end(null);
    await settle();
    mock.timers.tick(errors.at(-1)!.delay);
    await settle();
  }
  assert.deepEqual(errors.map((e) => e.delay), [800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000]);
  await informer.stop();
});

test('stop during a backoff exits at once', async () => {
  const source = new FakeSource();
  source.lists.push(new Error('down'));
  const { informer } = setup(source);
  informer.start();
  await settle();
  await informer.stop();
  mock.timers.tick(60_000);
  await settle();
  assert.equal(source.listCalls, 1);
});

test('a throwing handler is reported and does not stop the informer', async () => {
  const source = new FakeSource();
  source.lists.push({ items: [obj('a', '1')], resourceVersion: '1' });
  const { informer, errors } = setup(source);
  informer.on({ add: () => { throw new Error('handler bug'); } });
  informer.start();
  await settle();
  assert.equal(errors.length, 1);
  assert.equal(informer.get('a', 'ns')?.metadata?.name, 'a');
  assert.equal(source.watches.length, 1);
  await informer.stop();
});

test('dropManagedFields keeps only the bulkhead Apply entry', () => {
  const object = {
    metadata: {
      name: 'x',
      managedFields: [
        { manager: 'kubectl', operation: 'Update', fieldsV1: {} },
        { manager: 'bulkhead', operation: 'Apply', fieldsV1: { 'f:spec': {} } },
      ],
    },
  };
  assert.deepEqual(dropManagedFields(object).metadata.managedFields, [{ manager: 'bulkhead', operation: 'Apply', fieldsV1: { 'f:spec': {} } }]);
  assert.deepEqual(dropManagedFields({ metadata: { name: 'x', managedFields: [{ manager: 'k', operation: 'Update' }] } }), { metadata: { name: 'x' } });
});

test('collection paths for core and grouped kinds', () => {
  assert.equal(collectionPath('v1', 'namespaces'), '/api/v1/namespaces');
  assert.equal(collectionPath('networking.k8s.io/v1', 'networkpolicies'), '/apis/networking.k8s.io/v1/networkpolicies');
});
