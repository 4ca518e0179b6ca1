/**
 * The Helm chart with real Helm on a real control plane of its own (a chart install is cluster-wide and would collide
 * with the objects other test files install): lint, template with default and other values (the same objects the
 * TypeScript renders), schema refusals; then install from a previous release, upgrade to this chart (which changes the
 * CRD), run the operator as the chart's ServiceAccount with the chart's settings (the bundle, as the image runs it)
 * until a sample policy is Ready, check its RBAC is minimal, upgrade to other values, and uninstall.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import packageJson from '../../package.json' with { type: 'json' };
import { bundle, bundlePath } from '../../scripts/bundle.ts';
import { startChartOperator, type ChartOperator } from '../../scripts/demo/chart-operator.ts';
import { chartDir, installYamlPath } from '../../src/chart/chart-files.ts';
import { renderInstall, type KubeObject } from '../../src/chart/install-objects.ts';
import { resolveValues } from '../../src/chart/values.ts';
import { eventually } from '../support/cluster.ts';
import { helm, kubectl, run, runUntil } from '../support/commands.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane/control-plane.ts';
import { controlPlaneBinaries } from '../support/control-plane/versions.ts';
import { PolicyClient } from '../support/operator.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const chart = join(root, chartDir);
const namespace = 'bulkhead-system';
const work = mkdtempSync(join(tmpdir(), 'bulkhead-chart-test-'));

const objectsOf = (yaml: string): KubeObject[] =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
const byIdentity = (objects: readonly KubeObject[]): Map<string, KubeObject> =>
  new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));

/** helm template with a values file; the objects it renders. */
async function template(values: Record<string, unknown>, release = 'bulkhead', ns = namespace): Promise<KubeObject[]> {
  const file = join(work, `values-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(values));
  const result = await helm('/dev/null', ['template', release, chart, '--namespace', ns, '--values', file]);
  return objectsOf(result.stdout);
}

describe('the Helm chart, offline', () => {
  after(() => rmSync(work, { recursive: true, force: true }));

  test('helm lint finds nothing to warn about', async () => {
    const lint = await helm('/dev/null', ['lint', '--strict', chart]);
    assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.doesNotMatch(lint.stdout + lint.stderr, /\[(WARNING|ERROR)\]/);
  });

  test('default values render exactly manifests/install.yaml (less the namespace Helm creates)', async () => {
    const rendered = await template({});
    const install = objectsOf(readFileSync(join(root, installYamlPath), 'utf8')).filter((o) => o.kind !== 'Namespace');
    assert.deepEqual(byIdentity(rendered), byIdentity(install));
  });

  test('other values render what the TypeScript renders for them', async () => {
    const values = {
      image: { repository: 'registry.example.com/platform/bulkhead', digest: `sha256:${'a'.repeat(64)}`, pullPolicy: 'Always' },
      imagePullSecrets: [{ name: 'regcred' }],
      replicaCount: 3,
      logLevel: 'debug',
      concurrency: 8,
      resync: '5m',
      resources: { limits: { memory: '1Gi' } },
      serviceAccount: { name: 'agent-operator' },
      podAnnotations: { 'example.com/team': 'platform' },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
      podDisruptionBudget: { enabled: false },
      metrics: { service: { port: 9090 }, serviceMonitor: { enabled: true, interval: '1m', labels: { release: 'prometheus' } } },
      config: {
        ceilingClusterRole: 'agents-ceiling',
        bindableClusterRoles: ['view', 'edit', 'agents-ceiling'],
        priorityLevelName: 'agents-slow',
        flowSchemaMatchingPrecedence: 2000,
        dnsPodLabels: { 'k8s-app': null, app: 'coredns' },
      },
    };
    const rendered = await template(values, 'platform-agents', 'platform');
    const expected = renderInstall(resolveValues(values), { name: 'platform-agents', namespace: 'platform' });
    assert.deepEqual(byIdentity(rendered), byIdentity(expected));
    const deployment = rendered.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { image: string; env: { name: string; value?: string }[] }[] } } };
    };
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container?.image, `registry.example.com/platform/bulkhead@sha256:${'a'.repeat(64)}`);
    assert.equal(container?.env.find((e) => e.name === 'BULKHEAD_DNS_POD_LABELS')?.value, 'app=coredns');
    assert.ok(!rendered.some((o) => o.kind === 'PodDisruptionBudget'));
    assert.ok(rendered.some((o) => o.kind === 'ServiceMonitor'));
  });

  test('the schema refuses wrong types, unknown keys and bad formats, naming the key', async () => {
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ replicaCount: 'two' }, /replicaCount/],
      [{ replicasCount: 2 }, /replicasCount/],
      [{ image: { tag: 1.2 } }, /image\/tag/],
      [{ image: { digest: 'sha256:abc' } }, /image\/digest/],
      [{ logLevel: 'verbose' }, /logLevel/],
      [{ resources: { limits: { memory: 'lots' } } }, /resources\/limits\/memory/],
      [{ metrics: { serviceMonitor: { enabled: 'yes' } } }, /serviceMonitor\/enabled/],
      [{ config: { bindableClusterRoles: 'view' } }, /config\/bindableClusterRoles/],
      [{ config: { unknownSetting: true } }, /unknownSetting/],
    ];
    for (const [values, key] of refused) {
      const file = join(work, 'bad-values.json');
      writeFileSync(file, JSON.stringify(values));
      const result = await run(controlPlaneBinaries().helm, ['template', 'bulkhead', chart, '--values', file]);
      assert.notEqual(result.code, 0, `accepted ${JSON.stringify(values)}`);
      assert.match(result.stderr, /values don't meet the specifications of the schema/, JSON.stringify(values));
      assert.match(result.stderr, key, JSON.stringify(values));
    }
  });
});

describe('the Helm chart on a cluster', () => {
  let controlPlane: ControlPlane;
  let admin: k8s.KubeConfig;
  let operator: ChartOperator | undefined;
  const clusterWork = mkdtempSync(join(tmpdir(), 'bulkhead-chart-cluster-'));

  before(async () => {
    controlPlane = await startControlPlane({ parentDir: clusterWork });
    admin = new k8s.KubeConfig();
    admin.loadFromFile(controlPlane.kubeconfigPath);
    await bundle();
  });

  after(async () => {
    await operator?.stop();
    await controlPlane?.stop();
    rmSync(clusterWork, { recursive: true, force: true });
  });

  const kc = (): string => controlPlane.kubeconfigPath;
  const crd = async (): Promise<k8s.V1CustomResourceDefinition> =>
    admin.makeApiClient(k8s.ApiextensionsV1Api).readCustomResourceDefinition({ name: 'agentpolicies.bulkhead.dev' });

  test('install of a previous release: every object accepted, the operator pods pass Pod Security restricted', async () => {
    // The namespace as install.yaml makes it (Pod Security `restricted`), so the ReplicaSet's pods are judged by it.
    const ns = objectsOf(readFileSync(join(root, installYamlPath), 'utf8')).find((o) => o.kind === 'Namespace');
    await kubectl(kc(), ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(ns) });
    // The previous release: this chart as version 0.0.1 whose CRD still had another short name.
    const previous = join(clusterWork, 'previous');
    cpSync(chart, previous, { recursive: true });
    const chartYaml = join(previous, 'Chart.yaml');
    writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: .*$/m, 'version: 0.0.1'));
    const crdTemplate = join(previous, 'templates', 'crd.yaml');
    writeFileSync(crdTemplate, readFileSync(crdTemplate, 'utf8').replace('- agp\n', '- agentpolicy-old\n'));

    await helm(kc(), ['install', 'bulkhead', previous, '--namespace', namespace]);
    assert.deepEqual((await crd()).spec.names.shortNames, ['agentpolicy-old']);
    const pods = await eventually('the ReplicaSet to create both operator pods', async () => {
      const list = await admin.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/component=operator' });
      return list.items.length === 2 ? list.items : undefined;
    });
    assert.equal(pods.length, 2); // Pod Security `restricted` admitted them (no kubelet runs them)
  });

  test('helm upgrade to this chart updates the CRD (a template kept on uninstall, not crds/)', async () => {
    await helm(kc(), ['upgrade', 'bulkhead', chart, '--namespace', namespace]);
    const upgraded = await crd();
    assert.deepEqual(upgraded.spec.names.shortNames, ['agp']);
    assert.equal(upgraded.metadata?.annotations?.['helm.sh/resource-policy'], 'keep');
    const history = await helm(kc(), ['history', 'bulkhead', '--namespace', namespace, '--output', 'json']);
    assert.deepEqual((JSON.parse(history.stdout) as { chart: string }[]).map((r) => r.chart), ['bulkhead-0.0.1', `bulkhead-${packageJson.version}`]);
  });

  test("the operator, as the chart's ServiceAccount with the chart's settings, reconciles a sample policy to Ready", async () => {
    operator = await startChartOperator({ kubeconfigPath: kc(), namespace, entry: bundlePath, workDir: clusterWork });
    assert.equal(operator.serviceAccount, 'system:serviceaccount:bulkhead-system:bulkhead');
    assert.equal(operator.env['BULKHEAD_OPERATOR_NAMESPACE'], namespace);
    assert.match(operator.logs(), /running as the operator ServiceAccount/);
    await kubectl(kc(), ['apply', '-f', join(root, 'manifests/samples/typical.yaml')]);
    const policies = new PolicyClient(admin);
    const ready = await policies.waitReady('research-assistant');
    assert.equal(ready.status?.namespace, 'agent-research-assistant');
    assert.doesNotMatch(operator.logs(), /"level":"(warn|error)"/);
  });

  test("the chart's RBAC is minimal: no wildcard, no escalate or impersonate, bind only by resourceNames", async () => {
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    const selector = 'app.kubernetes.io/instance=bulkhead';
    const roles = [
      ...(await rbac.listClusterRole({ labelSelector: selector })).items,
      ...(await rbac.listNamespacedRole({ namespace, labelSelector: selector })).items,
    ];
    assert.deepEqual(roles.map((r) => r.metadata?.name).sort(), ['bulkhead-agent-ceiling', 'bulkhead-operator', 'bulkhead-operator-audit', 'bulkhead-operator-leader-election']);
    for (const role of roles) {
      for (const rule of role.rules ?? []) {
        const where = `${role.metadata?.name}: ${JSON.stringify(rule)}`;
        for (const list of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames]) assert.ok(!(list ?? []).includes('*'), where);
        assert.equal(rule.nonResourceURLs, undefined, where);
        assert.ok(!rule.verbs.some((v) => v === 'escalate' || v === 'impersonate'), where);
        if (rule.verbs.includes('bind')) assert.ok((rule.resourceNames ?? []).length > 0, where);
      }
    }
    // And the API server's authorizer agrees, for the ServiceAccount the Deployment runs as.
    const authz = admin.makeApiClient(k8s.AuthorizationV1Api);
    const may = async (attributes: k8s.V1ResourceAttributes): Promise<boolean> =>
      (await authz.createSubjectAccessReview({
        body: { spec: { user: 'system:serviceaccount:bulkhead-system:bulkhead', groups: ['system:serviceaccounts', 'system:authenticated'], resourceAttributes: attributes } },
      })).status?.allowed === true;
    const rbacGroup = 'rbac.authorization.k8s.io';
    assert.equal(await may({ verb: 'bind', group: rbacGroup, resource: 'clusterroles', name: 'view' }), true);
    for (const denied of [
      { verb: 'bind', group: rbacGroup, resource: 'clusterroles', name: 'cluster-admin' },
      { verb: 'escalate', group: rbacGroup, resource: 'clusterroles', name: 'bulkhead-agent-ceiling' },
      { verb: 'impersonate', resource: 'users', name: 'admin' },
      { verb: 'list', resource: 'secrets' },
      { verb: 'delete', resource: 'namespaces', name: 'kube-system' },
      // Admission objects cannot be tamper-protected, so the operator may only read them.
      { verb: 'patch', group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicybindings', name: 'bulkhead-agent-pods-enforce' },
      { verb: 'create', group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicybindings' },
      { verb: 'update', group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicies', name: 'bulkhead-agent-pods' },
    ]) {
      assert.equal(await may(denied), false, JSON.stringify(denied));
    }
  });

  test('run as the admin, the operator warns that it is not the operator ServiceAccount', async () => {
    const warning = /"level":"warn".*running as \\"bulkhead-test-admin\\", not as the operator's ServiceAccount/;
    const output = await runUntil(process.execPath, [bundlePath, 'controller', `--kubeconfig=${kc()}`, '--leader-elect=false', '--health-port=0'], warning);
    assert.match(output, warning);
  });

  test('helm upgrade to other values changes the operator and its RBAC', async () => {
    const values = { replicaCount: 1, logLevel: 'debug', config: { bindableClusterRoles: ['view', 'edit'] } };
    const file = join(clusterWork, 'upgrade.json');
    writeFileSync(file, JSON.stringify(values));
    await helm(kc(), ['upgrade', 'bulkhead', chart, '--namespace', namespace, '--values', file]);
    const expected = byIdentity(renderInstall(resolveValues(values)));
    const deployment = await admin.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: 'bulkhead', namespace });
    const want = expected.get('Deployment/bulkhead-system/bulkhead') as unknown as { spec: { replicas: number; template: { spec: { containers: { args: string[]; env: unknown[] }[] } } } };
    assert.equal(deployment.spec?.replicas, 1);
    assert.deepEqual(deployment.spec?.template.spec?.containers[0]?.args, want.spec.template.spec.containers[0]?.args);
    assert.ok(deployment.spec?.template.spec?.containers[0]?.args?.includes('--log-level=debug'));
    const role = await admin.makeApiClient(k8s.RbacAuthorizationV1Api).readClusterRole({ name: 'bulkhead-operator' });
    assert.deepEqual(role.rules?.find((r) => r.verbs.includes('bind'))?.resourceNames, ['bulkhead-agent-ceiling', 'bulkhead-operator-audit', 'edit', 'view']);
  });

  test('helm uninstall leaves only the CRD (kept on purpose) and what the admin made', async () => {
    const policies = new PolicyClient(admin);
    await policies.delete('research-assistant');
    await policies.waitGone('research-assistant');
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await eventually('the agent namespace to be deleted', async () =>
      (await core.listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=bulkhead' })).items.length === 0 ? true : undefined,
    );
    await operator?.stop();
    operator = undefined;
    await helm(kc(), ['uninstall', 'bulkhead', '--namespace', namespace]);

    const kinds = ['customresourcedefinitions', 'clusterroles', 'clusterrolebindings', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'prioritylevelconfigurations', 'flowschemas', 'runtimeclasses'];
    const left = await kubectl(kc(), ['get', kinds.join(','), '--selector', 'app.kubernetes.io/name=bulkhead', '--output', 'name']);
    assert.deepEqual(left.stdout.trim().split('\n'), ['customresourcedefinition.apiextensions.k8s.io/agentpolicies.bulkhead.dev']);
    const managed = await kubectl(kc(), ['get', `${kinds.join(',')},namespaces`, '--selector', 'app.kubernetes.io/managed-by=bulkhead', '--output', 'name']);
    assert.equal(managed.stdout.trim(), '', 'nothing of an agent envelope is left');
    const inNamespace = await kubectl(kc(), ['get', 'all,serviceaccounts,roles,rolebindings,poddisruptionbudgets,secrets', '--namespace', namespace, '--selector', 'app.kubernetes.io/instance=bulkhead', '--output', 'name']);
    assert.equal(inNamespace.stdout.trim(), '');
  });
});
