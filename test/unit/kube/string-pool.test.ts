import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { internStrings, stringPool } from '../../../src/kube/string-pool.ts';

const binding = (i: number): unknown => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'bulkhead-agent', namespace: `agent-${i}`, uid: `uid-${i}`, resourceVersion: String(i), labels: { 'app.kubernetes.io/managed-by': 'bulkhead' } },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bulkhead-agent' },
  subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: `agent-${i}` }],
  note: 'x'.repeat(100),
});

test('interning leaves every value as it was, arrays and nested objects included', () => {
  const parsed = JSON.parse(JSON.stringify(binding(1))) as unknown;
  const copy = structuredClone(parsed);
  assert.equal(internStrings(parsed), parsed, 'in place');
  assert.deepEqual(parsed, copy);
  assert.equal(internStrings(null), null);
  assert.equal(internStrings('text'), 'text');
});

test('the pool hands back its first copy of a value, starts over when full, and skips uid and resourceVersion', () => {
  const seen: string[] = [];
  const pool = stringPool(2);
  const counting = (v: string): string => {
    seen.push(v);
    return pool(v);
  };
  internStrings({ metadata: { uid: 'u', resourceVersion: '7', name: 'n' }, long: 'y'.repeat(65) }, counting);
  assert.deepEqual(seen, ['n'], 'uid, resourceVersion and strings over 64 characters never reach the pool');
  assert.equal(pool('a'), 'a');
  assert.equal(pool('b'), 'b');
  assert.equal(pool('c'), 'c', 'a full pool starts over rather than refusing');
});

test('a frozen object is left alone rather than failing', () => {
  const frozen = Object.freeze({ kind: 'Role', metadata: Object.freeze({ name: 'r' }) });
  assert.equal(internStrings(frozen), frozen);
});

test('on a real V8 heap, 20,000 parsed bindings take markedly less memory once interned', () => {
  const module = new URL('../../../src/kube/string-pool.ts', import.meta.url).href;
  const script = (intern: boolean): string => `
    import { internStrings } from ${JSON.stringify(module)};
    const text = JSON.stringify(Array.from({ length: 20000 }, (_, i) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding',
      metadata: { name: 'bulkhead-agent', namespace: 'agent-' + (i % 2000), uid: 'uid-' + i, ownerReferences: [{ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', name: 'p' + (i % 2000), controller: true }] },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bulkhead-agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: 'agent-' + (i % 2000) }],
    })));
    let kept = JSON.parse(text).map((o) => (${intern} ? internStrings(o) : o));
    globalThis.gc();
    const holding = process.memoryUsage().heapUsed;
    kept = undefined;
    globalThis.gc();
    console.log(holding - process.memoryUsage().heapUsed, text.length);
  `;
  const measure = (intern: boolean): number =>
    Number(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script(intern)], { encoding: 'utf8' }).split(' ')[0]);
  const plain = measure(false);
  const interned = measure(true);
  assert.ok(interned < plain * 0.8, `interned ${interned} bytes, plain ${plain}`);
});
