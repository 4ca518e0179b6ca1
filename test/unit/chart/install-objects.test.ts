import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartTemplates } from '../../../src/chart/helm-template.ts';
import { defaultRelease, healthPort, renderInstall, type KubeObject } from '../../../src/chart/install-objects.ts';
import { defaultChartValues, resolveValues } from '../../../src/chart/values.ts';
import { operatorConfigEnv } from '../../../src/config.ts';

const objects = renderInstall(defaultChartValues);
const find = (kind: string): KubeObject => {
  const object = objects.find((o) => o.kind === kind);
  assert.ok(object !== undefined, kind);
  return object;
};

interface Container {
  args: string[];
  env: { name: string; value?: string }[];
  securityContext: Record<string, unknown>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  ports: { name: string; containerPort: number }[];
}
const deployment = find('Deployment') as unknown as {
  spec: { replicas: number; template: { spec: { securityContext: Record<string, unknown>; serviceAccountName: string; containers: Container[] } } };
};
const pod = deployment.spec.template.spec;
const container = pod.containers[0] as Container;

test('the operator Deployment: two replicas under leader election, Pod Security restricted, bounded, probed', () => {
  assert.equal(deployment.spec.replicas, 2);
  assert.ok(container.args.includes('--leader-elect=true'));
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
  assert.ok(container.resources.requests['cpu'] !== undefined && container.resources.requests['memory'] !== undefined);
  assert.ok(container.resources.limits['cpu'] !== undefined && container.resources.limits['memory'] !== undefined);
  assert.deepEqual(container.ports, [{ name: 'http', containerPort: healthPort, protocol: 'TCP' }]);
  assert.deepEqual([container.livenessProbe.httpGet, container.readinessProbe.httpGet], [{ path: '/healthz', port: 'http' }, { path: '/readyz', port: 'http' }]);
  assert.ok(container.args.includes(`--health-port=${healthPort}`));
  assert.equal(pod.serviceAccountName, 'bulkhead');
});

test('the operator gets every BULKHEAD_* setting from values', () => {
  const names = container.env.map((e) => e.name);
  for (const variable of Object.values(operatorConfigEnv)) assert.ok(names.includes(variable), variable);
  const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
  assert.equal(env['BULKHEAD_OPERATOR_NAMESPACE'], defaultRelease.namespace);
  const custom = renderInstall(resolveValues({ config: { bindableClusterRoles: ['view', 'edit'] } }));
  const customEnv = (custom.find((o) => o.kind === 'Deployment') as unknown as typeof deployment).spec.template.spec.containers[0]?.env;
  assert.equal(customEnv?.find((e) => e.name === 'BULKHEAD_BINDABLE_CLUSTER_ROLES')?.value, 'view,edit');
});

test('a PodDisruptionBudget and a metrics Service by default; a ServiceMonitor only when asked', () => {
  assert.equal((find('PodDisruptionBudget') as unknown as { spec: { maxUnavailable: number } }).spec.maxUnavailable, 1);
  assert.equal(find('Service').metadata.name, 'bulkhead-metrics');
  assert.ok(!objects.some((o) => o.kind === 'ServiceMonitor'));
  const monitored = renderInstall(resolveValues({ metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom', 'app.kubernetes.io/name': 'spoofed' } } } }));
  const monitor = monitored.find((o) => o.kind === 'ServiceMonitor');
  assert.equal(monitor?.metadata.labels?.['release'], 'prom');
  assert.equal(monitor?.metadata.labels?.['app.kubernetes.io/name'], 'bulkhead', 'the chart\'s own labels win');
});

test('the CRD is kept on uninstall (deleting it would delete every AgentPolicy and their namespaces)', () => {
  assert.equal(find('CustomResourceDefinition').metadata.annotations?.['helm.sh/resource-policy'], 'keep');
});

test('every namespaced object is in the release namespace and carries the release labels', () => {
  for (const object of objects) {
    assert.equal(object.metadata.labels?.['app.kubernetes.io/instance'], defaultRelease.name, `${object.kind}/${object.metadata.name}`);
    if (object.metadata.namespace !== undefined) assert.equal(object.metadata.namespace, defaultRelease.namespace);
  }
});

test('the operator RBAC in the chart: no wildcard, no escalate or impersonate, bind only by resourceNames', () => {
  const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role') as unknown as { metadata: { name: string }; rules: Record<string, string[] | undefined>[] }[];
  assert.ok(roles.length >= 3);
  for (const role of roles) {
    for (const rule of role.rules) {
      for (const list of Object.values(rule)) assert.ok(!(list ?? []).includes('*'), `${role.metadata.name}: ${JSON.stringify(rule)}`);
      assert.ok(!(rule['verbs'] ?? []).some((v) => v === 'escalate' || v === 'impersonate'));
      if ((rule['verbs'] ?? []).includes('bind')) assert.ok((rule['resourceNames'] ?? []).length > 0);
      assert.equal(rule['nonResourceURLs'], undefined);
    }
  }
});

test('the templates hold only the expressions the generator writes, and no literal "{{" of the sources', () => {
  for (const template of chartTemplates()) {
    for (const action of template.text.match(/\{\{.*?\}\}/g) ?? []) {
      assert.match(action, /^\{\{-? (toJson |if |end|"\{\{")/, `${template.file}: ${action}`);
    }
  }
});
