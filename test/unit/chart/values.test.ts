import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envFormatOf, operatorEnv } from '../../../src/chart/operator-env.ts';
import { ChartValues, defaultChartValues, mergeValues, resolveValues, valuesJsonSchema } from '../../../src/chart/values.ts';
import { defaultOperatorConfig, loadOperatorConfig, OperatorConfig, operatorConfigEnv } from '../../../src/config.ts';

interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
}

function* sections(node: SchemaNode, path = ''): Generator<[string, SchemaNode]> {
  yield [path, node];
  for (const [key, child] of Object.entries(node.properties ?? {})) yield* sections(child, `${path}.${key}`);
}

test('values.schema.json: every key is described, and every group refuses keys it does not know', () => {
  for (const [path, node] of sections(valuesJsonSchema() as SchemaNode)) {
    if (path !== '') assert.ok((node.description ?? '').length > 10, `${path} has a description`);
    if (node.properties !== undefined) assert.equal(node.additionalProperties, false, `${path} is closed`);
  }
});

test('every operator setting is a value under config, with the operator\'s own format rules', () => {
  const config = (valuesJsonSchema() as SchemaNode).properties?.['config']?.properties ?? {};
  const settings = Object.keys(OperatorConfig.shape).filter((k) => k !== 'operatorNamespace' && k !== 'operatorServiceAccount');
  assert.deepEqual(Object.keys(config).sort(), settings.sort());
  assert.throws(() => resolveValues({ config: { ceilingClusterRole: 'a/b' } }), /RBAC name/);
  assert.throws(() => resolveValues({ config: { dnsNamespace: 'Kube_System' } }), /DNS-1123/);
});

test('the defaults are the operator defaults and a highly available, restricted operator', () => {
  const { operatorNamespace: _ns, operatorServiceAccount, ...settings } = defaultOperatorConfig;
  assert.deepEqual(defaultChartValues.config, settings);
  assert.equal(defaultChartValues.serviceAccount.name, operatorServiceAccount);
  assert.equal(defaultChartValues.replicaCount, 2);
  assert.equal(defaultChartValues.leaderElection.enabled, true);
  assert.deepEqual(ChartValues.parse(defaultChartValues), defaultChartValues);
});

test("mergeValues is Helm's merge: maps merge, lists and scalars replace, null deletes", () => {
  const base = { a: { b: 1, c: [1, 2], d: { e: 'x' } }, f: 'y' };
  assert.deepEqual(mergeValues(base, { a: { c: [3], d: { g: 'z' } }, f: null }), { a: { b: 1, c: [3], d: { e: 'x', g: 'z' } } });
  assert.deepEqual(resolveValues({ config: { dnsPodLabels: { app: 'dns' } } }).config.dnsPodLabels, { 'k8s-app': 'kube-dns', app: 'dns' });
});

test('the BULKHEAD_* variables the chart sets read back as the same configuration', () => {
  const custom = OperatorConfig.parse({
    operatorNamespace: 'platform',
    operatorServiceAccount: 'agents-operator',
    bindableClusterRoles: ['view', 'edit'],
    flowSchemaMatchingPrecedence: 2500,
    dnsPodLabels: { 'k8s-app': 'kube-dns', tier: 'dns' },
  });
  for (const config of [defaultOperatorConfig, custom]) {
    const env = operatorEnv(config);
    assert.deepEqual(Object.keys(env), Object.values(operatorConfigEnv));
    assert.deepEqual(loadOperatorConfig(env), config);
  }
  assert.equal(operatorEnv(custom)['BULKHEAD_DNS_POD_LABELS'], 'k8s-app=kube-dns,tier=dns');
  for (const key of Object.keys(OperatorConfig.shape)) assert.ok(envFormatOf(key as keyof OperatorConfig));
});
