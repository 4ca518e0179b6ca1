/* eslint-disable @typescript-eslint/no-explicit-any -- these tests probe free-form manifests field by field */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { agentPolicyCrd, agentPolicyCrdYaml } from '../../src/crd/agent-policy-crd.ts';

// Staleness of the committed CRD is checked with every generated file in generated-files.test.ts.

test('the CRD is a valid CustomResourceDefinition with the names, scope and columns of the design', () => {
  const crd = agentPolicyCrd();
  new CustomResourceDefinition(crd as never).validate();
  const spec = crd['spec'] as Record<string, any>;
  assert.equal(spec['scope'], 'Cluster');
  assert.deepEqual(spec['names'].shortNames, ['agp']);
  assert.deepEqual(spec['names'].categories, ['bulkhead']);
  const version = spec['versions'][0];
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual(version.additionalPrinterColumns.map((c: { name: string }) => c.name), ['Namespace', 'Runtime', 'Ready', 'Reason', 'Age']);
  assert.deepEqual(parse(agentPolicyCrdYaml()), crd);
});

// Structural schema rules (Kubernetes "Specifying a structural schema"): every node has a type (or is
// int-or-string), no additionalProperties:false, not both properties and additionalProperties, and (Bulkhead's
// rule) a description on every field so `kubectl explain` teaches.
function walk(node: Record<string, any>, path: string, problems: string[]): void {
  if (node['x-kubernetes-int-or-string'] !== true && typeof node['type'] !== 'string') problems.push(`${path}: no type`);
  if (node['additionalProperties'] === false) problems.push(`${path}: additionalProperties false`);
  if (node['properties'] !== undefined && node['additionalProperties'] !== undefined) problems.push(`${path}: properties and additionalProperties`);
  if (typeof node['description'] !== 'string' || node['description'].length < 5) problems.push(`${path}: no description`);
  if (node['type'] === 'array' && node['maxItems'] === undefined) problems.push(`${path}: unbounded list`);
  if (node['type'] === 'object' && node['additionalProperties'] !== undefined && node['maxProperties'] === undefined) {
    problems.push(`${path}: unbounded map`);
  }
  if (node['type'] === 'string' && node['maxLength'] === undefined && node['enum'] === undefined && node['format'] !== 'date-time') {
    problems.push(`${path}: unbounded string`);
  }
  for (const [key, child] of Object.entries((node['properties'] ?? {}) as Record<string, any>)) walk(child, `${path}.${key}`, problems);
  if (node['items'] !== undefined) walk(node['items'], `${path}[]`, problems);
  if (typeof node['additionalProperties'] === 'object') walk(node['additionalProperties'], `${path}{}`, problems);
}

test('the schema is structural, bounded and described everywhere', () => {
  const root = (agentPolicyCrd()['spec'] as any).versions[0].schema.openAPIV3Schema;
  const problems: string[] = [];
  for (const key of ['spec', 'status']) walk(root.properties[key], key, problems);
  assert.deepEqual(problems, []);
});

test('CEL rules guard the immutable namespace, reserved namespaces and escalation verbs', () => {
  const text = agentPolicyCrdYaml();
  assert.match(text, /self\.name == oldSelf\.name/);
  assert.match(text, /'kube-system'/);
  assert.match(text, /'escalate', 'bind', 'impersonate'/);
  assert.match(text, /isCIDR\(self\)/);
});
