import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeConfigError, kubeConfigOrigin, loadKubeConfig, makeKubeClients } from '../../../src/kube/client.ts';

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
- name: two
  cluster: {server: "https://127.0.0.2:6443", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: abc}
contexts:
- name: one
  context: {cluster: one, user: u}
- name: two
  context: {cluster: two, user: u}
current-context: one
`;

test('an explicit path wins; in-cluster only when KUBERNETES_SERVICE_HOST is set and KUBECONFIG is not', () => {
  assert.equal(kubeConfigOrigin({ kubeconfigPath: '/x', env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } }), 'file');
  assert.equal(kubeConfigOrigin({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } }), 'in-cluster');
  assert.equal(kubeConfigOrigin({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBECONFIG: '/k' } }), 'default');
  assert.equal(kubeConfigOrigin({ env: {} }), 'default');
});

test('loads an explicit kubeconfig and context, and builds the clients', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-kc-'));
  const path = join(dir, 'config');
  writeFileSync(path, kubeconfig);
  assert.equal(makeKubeClients(loadKubeConfig({ kubeconfigPath: path })).server, 'https://127.0.0.1:6443');
  const two = makeKubeClients(loadKubeConfig({ kubeconfigPath: path, context: 'two' }));
  assert.equal(two.server, 'https://127.0.0.2:6443');
  assert.ok(two.objects);
  assert.ok(two.coordination);
  assert.throws(() => loadKubeConfig({ kubeconfigPath: path, context: 'three' }), KubeConfigError);
  assert.throws(() => loadKubeConfig({ kubeconfigPath: join(dir, 'missing') }), /cannot load the kubeconfig .*missing/);
});
