import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { RuntimeClass } from 'kubernetes-models/node.k8s.io/v1/RuntimeClass';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { FlowSchema } from 'kubernetes-models/flowcontrol.apiserver.k8s.io/v1/FlowSchema';
import { SealedSecret } from '@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1/SealedSecret';
import { managedByLabel, policyLabel } from '../../src/api/v1alpha1/well-known.ts';
import { renderPolicies } from '../../src/cli/render-output.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { desiredState, DesiredStateError, type DesiredObject } from '../../src/desired/desired-state.ts';
import { compareForApply } from '../../src/envelope/resource-table.ts';
import { fixedUid, samplePolicy } from '../support/samples.ts';

// Golden files: test/golden/<sample>.yaml is what `bulkhead render` prints for manifests/samples/<sample>.yaml, with
// a fixed metadata.uid injected so the ownerReferences show. UPDATE_GOLDEN=1 rewrites them; review the diff.
const samplesDir = new URL('../../manifests/samples/', import.meta.url);
const goldenDir = new URL('../golden/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';


const models: Record<string, (o: DesiredObject) => { validate(): void }> = {
  Namespace: (o) => new Namespace(o as never),
  NetworkPolicy: (o) => new NetworkPolicy(o as never),
  RuntimeClass: (o) => new RuntimeClass(o as never),
  ServiceAccount: (o) => new ServiceAccount(o as never),
  Role: (o) => new Role(o as never),
  RoleBinding: (o) => new RoleBinding(o as never),
  FlowSchema: (o) => new FlowSchema(o as never),
  ResourceQuota: (o) => new ResourceQuota(o as never),
  LimitRange: (o) => new LimitRange(o as never),
  SealedSecret: (o) => new SealedSecret(o as never),
};

const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.yaml')).sort();

test('there is a sample for every case the design names', () => {
  for (const name of ['minimal', 'typical', 'maximal', 'ipv6', 'external-runtime', 'audit', 'secrets']) {
    assert.ok(samples.includes(`${name}.yaml`), name);
  }
});

for (const file of samples) {
  test(`golden: ${file}`, () => {
    const policy = samplePolicy(file);
    const rendered = renderPolicies([policy], defaultOperatorConfig, 'yaml').text;
    const goldenFile = new URL(file, goldenDir);
    if (update) {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(goldenFile, rendered);
    }
    assert.equal(rendered, readFileSync(goldenFile, 'utf8'), `stale golden file; rerun with UPDATE_GOLDEN=1 and review`);
  });

  test(`envelope of ${file}: valid typed models, labelled, owned, sorted, deterministic`, () => {
    const policy = samplePolicy(file);
    const objects = desiredState(policy, defaultOperatorConfig);
    assert.deepEqual(objects, desiredState(structuredClone(policy), defaultOperatorConfig));
    assert.deepEqual(objects, [...objects].sort(compareForApply));
    const names = objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);
    assert.equal(new Set(names).size, names.length, 'duplicate objects');
    for (const object of objects) {
      const id = `${object.kind}/${object.metadata?.name}`;
      assert.equal(object.metadata?.labels?.[managedByLabel], 'bulkhead', id);
      // The shared RuntimeClass names its policies in ownerReferences only (several policies apply it).
      const expectedPolicyLabel = object.kind === 'RuntimeClass' ? undefined : policy.metadata.name;
      assert.equal(object.metadata?.labels?.[policyLabel], expectedPolicyLabel, id);
      const refs = object.metadata?.ownerReferences ?? [];
      assert.equal(refs.length, 1, id);
      assert.deepEqual(refs[0], {
        apiVersion: 'bulkhead.dev/v1alpha1',
        kind: 'AgentPolicy',
        name: policy.metadata.name,
        uid: fixedUid,
        controller: object.kind !== 'RuntimeClass',
        blockOwnerDeletion: true,
      });
      const model = models[object.kind];
      assert.ok(model !== undefined, `no typed model for ${object.kind}`);
      model(object).validate();
    }
  });
}

test('desiredState refuses a policy without uid unless rendering offline', () => {
  const policy = samplePolicy('minimal.yaml');
  delete policy.metadata.uid;
  assert.throws(() => desiredState(policy, defaultOperatorConfig), DesiredStateError);
  const offline = desiredState(policy, defaultOperatorConfig, { offline: true });
  assert.ok(offline.every((o) => o.metadata?.ownerReferences === undefined));
});

test('the namespace carries the admission parameters: enforcement label, runtime class, ServiceAccount, registries, digest', () => {
  const base = samplePolicy('typical.yaml');
  const namespace = (enforcement: 'Enforce' | 'Audit' | 'Disabled') => {
    const policy = structuredClone(base);
    policy.spec.sandbox.enforcement = enforcement;
    return desiredState(policy, defaultOperatorConfig).find((o) => o.kind === 'Namespace') as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    };
  };
  for (const mode of ['Enforce', 'Audit', 'Disabled'] as const) assert.equal(namespace(mode).metadata.labels['bulkhead.dev/enforcement'], mode);
  assert.deepEqual(namespace('Enforce').metadata.annotations, {
    'bulkhead.dev/runtime-class': base.spec.sandbox.runtimeClass.name,
    'bulkhead.dev/service-account': base.spec.rbac.serviceAccountName,
    'bulkhead.dev/automount-token': String(base.spec.rbac.automountToken),
    'bulkhead.dev/allowed-registries': 'ghcr.io/acme',
    'bulkhead.dev/require-digest': String(base.spec.images.requireDigest),
    ...base.spec.namespace.annotations,
  });
  assert.equal(desiredState(base, defaultOperatorConfig).filter((o) => o.kind.startsWith('ValidatingAdmission')).length, 0);
});

test('the quota keeps the defaults and lets each user key override', () => {
  const policy = samplePolicy('maximal.yaml');
  const quota = desiredState(policy, defaultOperatorConfig).find((o) => o.kind === 'ResourceQuota') as { spec: { hard: Record<string, string> } };
  assert.equal(quota.spec.hard['pods'], '50');
  assert.equal(quota.spec.hard['requests.cpu'], '8');
  assert.equal(quota.spec.hard['requests.memory'], '8Gi');
  assert.equal(quota.spec.hard['services.loadbalancers'], '0');
  assert.equal(quota.spec.hard['count/jobs.batch'], '20');
});
