/**
 * The generated AgentPolicy CRD, proven on the real API server: it installs and is established exactly as generated,
 * every sample policy is accepted and defaulted the way the zod schema defaults it, every invalid policy of the
 * shared table is refused by the layer the table names (the API server, with the field path in its message, or the
 * operator's validation, which the API server lets through), and spec.namespace.name cannot change once stored.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { agentPolicyCrd } from '../../src/crd/agent-policy-crd.ts';
import type { ValidationIssue } from '../../src/validation/issues.ts';
import { parseAgentPolicy, validateAgentPolicy } from '../../src/validation/validate.ts';
import { expectApiError, namesPath, statusMessage, statusOf } from '../support/api.ts';
import { adminKubeConfig, uniqueName } from '../support/cluster.ts';
import { installCrd } from '../support/install.ts';
import { loadSamples, withUniqueNames, type PolicyDocument } from '../support/samples.ts';
import { createPolicy, deletePolicies } from '../support/strict-writes.ts';

interface InvalidCase {
  readonly name: string;
  readonly rejectedBy: 'apiserver' | 'operator';
  readonly path: string;
  readonly policy: PolicyDocument;
}

const cases = parse(readFileSync(new URL('../fixtures/invalid/cases.yaml', import.meta.url), 'utf8')) as InvalidCase[];

const kc = adminKubeConfig();
const customObjects = kc.makeApiClient(k8s.CustomObjectsApi);
const crdName = 'agentpolicies.bulkhead.dev';
const semanticContext = { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules };

/** Whether an issue lies at `path` or below it (the same rule as test/unit/validation.test.ts). */
const issueAt = (issues: readonly ValidationIssue[], path: string): boolean =>
  issues.some((i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));

/** A JSON merge patch of an AgentPolicy's spec, strictly validated. */
function patchSpec(name: string, spec: Record<string, unknown>): Promise<unknown> {
  return customObjects.patchClusterCustomObject(
    { group: 'bulkhead.dev', version: 'v1alpha1', plural: 'agentpolicies', name, body: { spec }, fieldValidation: 'Strict' },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

describe('the AgentPolicy CRD on the real API server', () => {
  const created: string[] = [];

  before(async () => {
    await installCrd(kc); // applies crds/ (a unit test keeps it equal to the generator's output) and waits for Established
  });

  after(async () => {
    await deletePolicies(customObjects, created);
  });

  test('is established with its names accepted, and stored exactly as generated', async () => {
    // Read as plain JSON (the typed client turns the schema into model objects), so nothing is compared loosely.
    const stored = (await customObjects.getClusterCustomObject({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      plural: 'customresourcedefinitions',
      name: crdName,
    })) as { spec: Record<string, unknown>; status: { conditions: { type: string; status: string; message: string }[] } };
    const conditions = Object.fromEntries(stored.status.conditions.map((c) => [c.type, c]));
    assert.equal(conditions['Established']?.status, 'True', JSON.stringify(conditions));
    assert.equal(conditions['NamesAccepted']?.status, 'True', JSON.stringify(conditions));
    assert.equal(conditions['NonStructuralSchema'], undefined, 'the schema must be structural');
    // Anything the API server dropped or rewrote (an unknown keyword, a default it normalised) shows up here.
    const generated = agentPolicyCrd() as { spec: Record<string, unknown> };
    assert.deepEqual(stored.spec['versions'], generated.spec['versions']);
    assert.deepEqual(stored.spec['names'], generated.spec['names']);
  });

  test('accepts every sample policy, and its defaults are exactly what the zod schema fills in', async () => {
    const samples = loadSamples();
    assert.ok(samples.length >= 5, `${samples.length} samples`);
    const bodies = samples.map((s) => withUniqueNames(s.policy));
    created.push(...bodies.map((b) => b.metadata.name));
    const stored = await Promise.all(bodies.map((body) => createPolicy(customObjects, body)));
    samples.forEach((sample, i) => {
      const parsed = parseAgentPolicy(bodies[i]);
      assert.ok(parsed.ok, `${sample.file}: ${JSON.stringify(!parsed.ok && parsed.issues)}`);
      // The CRD's defaults and zod's come from one schema; this proves they also agree in effect: the spec the API
      // server stored for the file is the spec the operator would have computed from the same file.
      assert.deepEqual(stored[i]?.spec, parsed.policy.spec, `${sample.file}: API-server defaulting differs from zod's`);
    });
  });

  test('a minimal policy (spec: {}) is stored with every default spelled out', async () => {
    const body: PolicyDocument = { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name: uniqueName('crd-min') }, spec: {} };
    created.push(body.metadata.name);
    const stored = await createPolicy(customObjects, body);
    const parsed = parseAgentPolicy(body);
    assert.ok(parsed.ok);
    assert.deepEqual(stored.spec, parsed.policy.spec);
    // Spot checks, so a default missing on both sides cannot make the comparison vacuous.
    assert.deepEqual(stored.spec['sandbox'], { runtimeClass: { name: 'gvisor', handler: 'runsc', management: 'Managed' }, enforcement: 'Enforce' });
    assert.deepEqual(stored.spec['namespace'], { deletionPolicy: 'Delete' });
    assert.deepEqual(stored.spec['rbac'], { serviceAccountName: 'agent', automountToken: false, rules: [], clusterRoles: [] });
  });

  test('the invalid-policy table has at least 20 cases, of both kinds', () => {
    assert.ok(cases.length >= 20, `${cases.length} cases`);
    assert.ok(cases.some((c) => c.rejectedBy === 'apiserver'));
    assert.ok(cases.some((c) => c.rejectedBy === 'operator'));
  });

  describe('invalid policies refused by the API server, naming the field', () => {
    for (const c of cases.filter((x) => x.rejectedBy === 'apiserver')) {
      test(`${c.name}: ${c.path}`, async () => {
        try {
          await createPolicy(customObjects, c.policy, { dryRun: true });
        } catch (error) {
          // 422 Invalid for schema and CEL errors; 400 for a strict-decoding error (an unknown field).
          assert.ok([400, 422].includes(statusOf(error) ?? 0), `HTTP ${statusOf(error)}: ${statusMessage(error)}`);
          const message = statusMessage(error);
          assert.ok(namesPath(message, c.path), `the message does not name ${c.path}: ${message}`);
          return;
        }
        assert.fail('the API server accepted the policy');
      });
    }
  });

  describe('invalid policies the API server accepts and the operator refuses', () => {
    for (const c of cases.filter((x) => x.rejectedBy === 'operator')) {
      test(`${c.name}: ${c.path}`, async () => {
        const stored = await createPolicy(customObjects, c.policy, { dryRun: true });
        // Validate what the API server would store (defaults applied): that is what the controller reads.
        const result = validateAgentPolicy(stored, semanticContext);
        assert.equal(result.ok, false, 'validateAgentPolicy accepted the policy');
        assert.ok(!result.ok && issueAt(result.issues, c.path), `no issue at ${c.path}: ${JSON.stringify(!result.ok && result.issues)}`);
      });
    }
  });

  describe('spec.namespace.name is immutable (a CEL transition rule)', () => {
    const named = uniqueName('crd-immutable');
    const unnamed = uniqueName('crd-defaulted');

    before(async () => {
      created.push(named, unnamed);
      const policy = (name: string, spec: PolicyDocument['spec']): PolicyDocument => ({
        apiVersion: 'bulkhead.dev/v1alpha1',
        kind: 'AgentPolicy',
        metadata: { name },
        spec,
      });
      await Promise.all([
        createPolicy(customObjects, policy(named, { namespace: { name: `${named}-ns` } })),
        createPolicy(customObjects, policy(unnamed, {})),
      ]);
    });

    test('changing it is refused', async () => {
      await expectApiError(patchSpec(named, { namespace: { name: `${named}-other` } }), 422, /spec\.namespace\.name: Forbidden: spec\.namespace\.name is immutable/);
    });

    test('removing it is refused', async () => {
      await expectApiError(patchSpec(named, { namespace: { name: null } }), 422, /spec\.namespace\.name: Forbidden: .*immutable/);
    });

    test('setting it where it was defaulted (agent-<name>) is refused', async () => {
      await expectApiError(patchSpec(unnamed, { namespace: { name: `${unnamed}-ns` } }), 422, /spec\.namespace\.name: Forbidden: .*immutable/);
    });

    test('other changes, and writing the same name again, are accepted', async () => {
      await patchSpec(named, { namespace: { name: `${named}-ns`, labels: { team: 'x' } }, podSecurity: { level: 'baseline' } });
      await patchSpec(unnamed, { namespace: { deletionPolicy: 'Retain' } });
    });
  });
});
