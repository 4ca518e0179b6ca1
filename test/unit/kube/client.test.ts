import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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

test('requests share one keep-alive connection (client-node 2.0.1 built a connection pool per request)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1'], { cwd: dir, stdio: 'ignore' });
  let connections = 0;
  const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }));
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const path = join(dir, 'config');
  writeFileSync(path, kubeconfig.replace('https://127.0.0.1:6443', `https://127.0.0.1:${port}`));
  try {
    const clients = makeKubeClients(loadKubeConfig({ kubeconfigPath: path }));
    for (let i = 0; i < 20; i++) await clients.core.readNamespace({ name: 'default' });
    await Promise.all(Array.from({ length: 5 }, () => clients.core.readNamespace({ name: 'default' })));
    // One connection for the sequential requests, at most one more for each concurrent one.
    assert.ok(connections <= 6, `${connections} TLS connections for 25 requests`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
