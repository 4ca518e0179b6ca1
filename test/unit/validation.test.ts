import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { uncoveredGrants } from '../../src/validation/ceiling-coverage.ts';
import { parseAgentPolicy, validateAgentPolicy } from '../../src/validation/validate.ts';

interface InvalidCase {
  name: string;
  rejectedBy: 'apiserver' | 'operator';
  path: string;
  policy: Record<string, unknown>;
}

const cases = parse(readFileSync(new URL('../fixtures/invalid/cases.yaml', import.meta.url), 'utf8')) as InvalidCase[];
const context = { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules };

test('the invalid-policy table covers at least 20 rules, each once', () => {
  assert.ok(cases.length >= 20, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
});

for (const c of cases) {
  test(`invalid policy ${c.name}: rejected at ${c.path} (${c.rejectedBy})`, () => {
    const result = validateAgentPolicy(c.policy, context);
    assert.equal(result.ok, false, 'the policy was accepted');
    if (result.ok) return;
    assert.ok(
      result.issues.some((i) => i.path === c.path || i.path.startsWith(`${c.path}.`) || i.path.startsWith(`${c.path}[`)),
      `no issue at ${c.path}: ${JSON.stringify(result.issues)}`,
    );
    // apiserver cases are schema errors (the CRD says the same); operator cases pass the schema alone... except
    // the label-key format, which the CRD leaves to the operator because CEL over map keys is too costly.
    const schemaOnly = parseAgentPolicy(c.policy);
    if (c.rejectedBy === 'apiserver') assert.equal(schemaOnly.ok, false, 'the schema alone should reject it');
    if (c.rejectedBy === 'operator' && c.name !== 'label-key-invalid') assert.equal(schemaOnly.ok, true, JSON.stringify(schemaOnly));
  });
}

test('every list is bounded: 65 egress peers are refused', () => {
  const policy = {
    apiVersion: 'bulkhead.dev/v1alpha1',
    kind: 'AgentPolicy',
    metadata: { name: 'too-many' },
    spec: { network: { egress: Array.from({ length: 65 }, () => ({ cidr: '0.0.0.0/0' })) } },
  };
  const result = validateAgentPolicy(policy, context);
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.issues.some((i) => i.path === 'spec.network.egress'));
});

test('every sample policy is valid', () => {
  const dir = new URL('../../manifests/samples/', import.meta.url);
  for (const file of readdirSync(dir)) {
    const result = validateAgentPolicy(parse(readFileSync(new URL(file, dir), 'utf8')), context);
    assert.ok(result.ok, `${file}: ${JSON.stringify(!result.ok && result.issues)}`);
  }
});

test('wrong kind, wrong apiVersion and missing metadata are named', () => {
  const result = parseAgentPolicy({ apiVersion: 'v1', kind: 'ConfigMap' });
  assert.equal(result.ok, false);
  const paths = !result.ok ? result.issues.map((i) => `${i.path}: ${i.message}`) : [];
  assert.ok(paths.includes('apiVersion: must be bulkhead.dev/v1alpha1'), paths.join('\n'));
  assert.ok(paths.includes('kind: must be AgentPolicy'), paths.join('\n'));
  assert.ok(paths.includes('metadata: required field is missing'), paths.join('\n'));
});

test('an unknown field is reported at the field itself', () => {
  const result = parseAgentPolicy({ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'x' }, spec: { rbac: { role: 1 } } });
  assert.deepEqual(!result.ok && result.issues, [{ path: 'spec.rbac.role', message: 'unknown field' }]);
});

test('the operator namespace is refused also when it comes from the default agent-<name>', () => {
  const policy = { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'ops' }, spec: {} };
  const config = { ...defaultOperatorConfig, operatorNamespace: 'agent-ops' };
  const result = validateAgentPolicy(policy, { config, ceilingRules: defaultCeilingRules });
  assert.deepEqual(!result.ok && result.issues.map((i) => i.path), ['metadata.name']);
});

test('the ceiling: a rule inside it passes, resourceNames narrow but never widen', () => {
  assert.deepEqual(uncoveredGrants({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'watch'] }, defaultCeilingRules), []);
  assert.deepEqual(
    uncoveredGrants({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] }, defaultCeilingRules),
    [],
  );
  const narrow = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] }];
  assert.equal(uncoveredGrants({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }, narrow).length, 1);
  assert.equal(uncoveredGrants({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['b'] }, narrow).length, 1);
  const wide = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
  assert.deepEqual(uncoveredGrants({ apiGroups: ['x'], resources: ['y'], verbs: ['delete'] }, wide), []);
});

test('LimitRange defaults are clamped to a user max instead of failing', () => {
  const policy = {
    apiVersion: 'bulkhead.dev/v1alpha1',
    kind: 'AgentPolicy',
    metadata: { name: 'small' },
    spec: { resources: { limits: { max: { cpu: '500m', memory: '256Mi' } } } },
  };
  assert.ok(validateAgentPolicy(policy, context).ok);
});
