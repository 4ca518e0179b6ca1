import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { RuntimeClass } from 'kubernetes-models/node.k8s.io/v1/RuntimeClass';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { FlowSchema } from 'kubernetes-models/flowcontrol.apiserver.k8s.io/v1/FlowSchema';
import { ValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { SealedSecret } from '@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1/SealedSecret';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { managedByLabel, policyLabel } from '../../src/api/v1alpha1/well-known.ts';
import { renderPolicies } from '../../src/cli/render-output.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { desiredState, DesiredStateError, type DesiredObject } from '../../src/desired/desired-state.ts';
import { compareForApply } from '../../src/kube/resource-table.ts';
import { validateAgentPolicy } from '../../src/validation/validate.ts';
import type { AgentPolicy } from '../../src/api/v1alpha1/schema.ts';

// Golden files: test/golden/<sample>.yaml is what `bulkhead render` prints for manifests/samples/<sample>.yaml, with
// a fixed metadata.uid injected so the ownerReferences show. UPDATE_GOLDEN=1 rewrites them; review the diff.
const samplesDir = new URL('../../manifests/samples/', import.meta.url);
const goldenDir = new URL('../golden/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';
const fixedUid = '00000000-0000-4000-8000-000000000001';

function samplePolicy(file: string): AgentPolicy {
  const raw = parse(readFileSync(new URL(file, samplesDir), 'utf8')) as { metadata: Record<string, unknown> };
  raw.metadata['uid'] = fixedUid;
  const result = validateAgentPolicy(raw, { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules });
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.issues)}`);
  return result.policy;
}

const models: Record<string, (o: DesiredObject) => { validate(): void }> = {
  Namespace: (o) => new Namespace(o as never),
  NetworkPolicy: (o) => new NetworkPolicy(o as never),
  RuntimeClass: (o) => new RuntimeClass(o as never),
  ValidatingAdmissionPolicyBinding: (o) => new ValidatingAdmissionPolicyBinding(o as never),
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

test('enforcement decides the admission binding: Enforce denies, Audit audits and warns, Disabled binds nothing', () => {
  const base = samplePolicy('minimal.yaml');
  const actions = (enforcement: 'Enforce' | 'Audit' | 'Disabled') => {
    const policy = structuredClone(base);
    policy.spec.sandbox.enforcement = enforcement;
    const binding = desiredState(policy, defaultOperatorConfig).find((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
    return binding === undefined ? undefined : (binding as { spec: { validationActions: string[] } }).spec.validationActions;
  };
  assert.deepEqual(actions('Enforce'), ['Deny']);
  assert.deepEqual(actions('Audit'), ['Audit', 'Warn']);
  assert.equal(actions('Disabled'), undefined);
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
