import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import type { AgentPolicy } from '../../src/api/v1alpha1/schema.ts';
import { renderPolicies, RenderConflictError } from '../../src/cli/render-output.ts';
import { toYamlStream } from '../../src/cli/yaml-emitter.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { desiredState, type DesiredObject } from '../../src/desired/desired-state.ts';
import { compareForApply } from '../../src/envelope/resource-table.ts';
import { samplePolicy, samplesDirectory } from '../support/samples.ts';

// renderPolicies prints objects as they are built, in an order of its own choosing; its output must be what the
// plain definition gives: every object of every policy, the RuntimeClasses once, in one stable compareForApply sort.
function reference(policies: readonly AgentPolicy[], format: 'yaml' | 'json'): string {
  const objects: DesiredObject[] = [];
  const runtimeClasses = new Set<string>();
  for (const policy of policies) {
    for (const object of desiredState(policy, defaultOperatorConfig, { offline: true })) {
      if (object.kind === 'RuntimeClass') {
        if (runtimeClasses.has(object.metadata?.name ?? '')) continue;
        runtimeClasses.add(object.metadata?.name ?? '');
      }
      objects.push(object);
    }
  }
  objects.sort(compareForApply);
  return format === 'json' ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n` : toYamlStream(objects);
}

const samples = readdirSync(samplesDirectory).filter((f) => f.endsWith('.yaml')).sort().map(samplePolicy);

function renamed(policy: AgentPolicy, name: string, namespace: string | undefined): AgentPolicy {
  const copy = structuredClone(policy);
  copy.metadata.name = name;
  copy.spec.namespace.name = namespace;
  return copy;
}

// Names whose order differs from their namespaces' order, and namespaces that differ from the input order.
const many = samples.flatMap((policy, i) => [
  renamed(policy, `p${i}-a`, `ns-${9 - i}`),
  renamed(policy, `p${i}-b`, undefined),
  renamed(policy, `z${i}`, `a-${i}`),
]);
const shuffled = many.map((p, i) => ({ p, k: (i * 7919) % many.length })).sort((a, b) => a.k - b.k).map((x) => x.p);

for (const format of ['yaml', 'json'] as const) {
  test(`render ${format}: many policies in any order print as one apply-order sort of all their objects`, () => {
    for (const policies of [many, shuffled, [...many].reverse()]) {
      const rendered = renderPolicies(policies, defaultOperatorConfig, format);
      assert.equal(rendered.text, reference(policies, format));
      assert.equal(rendered.objectCount, reference(policies, 'json').match(/^ {4}\{/gm)?.length ?? 0);
    }
  });

  test(`render ${format}: policies sharing a namespace (refused by validation) still print in apply order, ties in input order`, () => {
    const typical = samples[samples.length - 1] as AgentPolicy;
    const policies = [renamed(typical, 'second', 'shared'), renamed(typical, 'first', 'shared'), renamed(typical, 'other', 'a')];
    assert.equal(renderPolicies(policies, defaultOperatorConfig, format).text, reference(policies, format));
  });

  test(`render ${format}: no policies`, () => {
    assert.equal(renderPolicies([], defaultOperatorConfig, format).text, reference([], format));
  });
}

test('render: a RuntimeClass conflict names the policies in input order, whatever their namespaces', () => {
  const managed = samples.find((p) => p.spec.sandbox.runtimeClass.management === 'Managed') as AgentPolicy;
  const other = renamed(managed, 'later', 'a-first-namespace');
  other.spec.sandbox.runtimeClass.handler = 'another-handler';
  assert.throws(
    () => renderPolicies([renamed(managed, 'earlier', 'z-last-namespace'), other], defaultOperatorConfig, 'yaml'),
    (error: unknown) => error instanceof RenderConflictError && /AgentPolicies earlier and later want RuntimeClass/.test(error.message),
  );
});
