/**
 * Hostile input, offline: every policy of the hostile corpus (test/fixtures/hostile/) is refused by the operator's
 * own validation at the field its header names (the schema alone for the API-server cases), and by `bulkhead
 * validate` and `bulkhead render` with that field in the message and nothing rendered. Then input that is not a
 * policy at all: malformed YAML, alias bombs, other kinds, wrong apiVersions, scalars, binary, deep nesting.
 * The same corpus is sent to a real API server with the operator running in test/integration/hostile-input.test.ts.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { runCli } from '../../src/main.ts';
import { parseAgentPolicy, validateAgentPolicy } from '../../src/validation/validate.ts';
import { loadHostileCases } from '../support/hostile.ts';

const cases = loadHostileCases();
const context = { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules };

async function run(stdinText: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const [stdout, stderr, stdin] = [new PassThrough(), new PassThrough(), new PassThrough()];
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  stdin.end(stdinText);
  const status = await runCli(args, { stdout, stderr, stdin });
  return { status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

test('the corpus holds at least 60 hostile policies, each named once, of both layers', () => {
  assert.ok(cases.length >= 60, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
  assert.ok(cases.some((c) => c.rejectedBy.length === 1 && c.rejectedBy[0] === 'apiserver'));
  assert.ok(cases.some((c) => c.rejectedBy.length === 1 && c.rejectedBy[0] === 'operator'));
  // The 1 MiB policies are padded at load time.
  assert.ok(cases.some((c) => JSON.stringify(c.policy).length > 1024 * 1024));
});

describe('every hostile policy is refused by validation, at its field', () => {
  for (const c of cases) {
    test(`${c.name}: ${c.path}`, () => {
      const result = validateAgentPolicy(c.policy, context);
      assert.equal(result.ok, false, `accepted: ${c.why}`);
      if (result.ok) return;
      assert.ok(
        result.issues.some((i) => i.path === c.path || i.path.startsWith(`${c.path}.`) || i.path.startsWith(`${c.path}[`)),
        `no issue at ${c.path}: ${JSON.stringify(result.issues).slice(0, 500)}`,
      );
      // What the API server refuses, the schema alone (from which the CRD is generated) refuses too.
      if (c.rejectedBy.length === 1 && c.rejectedBy[0] === 'apiserver') assert.equal(parseAgentPolicy(c.policy).ok, false);
    });
  }
});

describe('bulkhead validate and render refuse each, naming the field', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const yaml = stringify(c.policy, { lineWidth: 0 });
      const validated = await run(yaml, 'validate', '-f', '-');
      assert.equal(validated.status, 1, validated.stderr);
      const head = c.path.split(/[.[]/)[0] ?? c.path;
      assert.match(validated.stderr, new RegExp(`^<stdin>: .*: ${head.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
      assert.ok(validated.stderr.includes(c.path) || validated.stderr.includes(c.path.replace(/\[\d+\]$/, '')), validated.stderr.slice(0, 600));
      assert.ok(validated.stderr.length < 64 * 1024, 'the error output does not echo a huge input back');
      const rendered = await run(yaml, 'render', '-f', '-');
      assert.equal(rendered.status, 1);
      assert.equal(rendered.stdout, '', 'render prints nothing for an invalid policy');
    });
  }
});

describe('input that is not a policy', () => {
  const policy = (extra = ''): string => `apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata: {name: ok}\nspec: {}\n${extra}`;
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghij'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`)].join('\n');
  const inputs: { name: string; text: string; message: RegExp }[] = [
    { name: 'unclosed flow mapping', text: 'apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata: {name: x\nspec: {}\n', message: /not valid YAML/ },
    { name: 'tab indentation', text: 'apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata:\n\tname: x\n', message: /not valid YAML/ },
    { name: 'duplicate keys', text: 'apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata: {name: x}\nspec: {}\nspec: {rbac: {rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]}}\n', message: /not valid YAML|[Dd]uplicate|spec/ },
    { name: 'a billion laughs (alias bomb)', text: `${bomb}\n`, message: /not valid YAML|alias|apiVersion/ },
    { name: 'a ConfigMap', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n', message: /apiVersion|kind/ },
    { name: 'a ClusterRoleBinding to cluster-admin', text: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n', message: /apiVersion|kind/ },
    { name: 'a wrong version of AgentPolicy', text: 'apiVersion: bulkhead.dev/v1\nkind: AgentPolicy\nmetadata: {name: x}\nspec: {}\n', message: /apiVersion/ },
    { name: 'a wrong kind in the right group', text: 'apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicies\nmetadata: {name: x}\nspec: {}\n', message: /kind/ },
    { name: 'no kind at all', text: 'metadata: {name: x}\nspec: {}\n', message: /apiVersion|kind/ },
    { name: 'a scalar document', text: 'just a string\n', message: /not an object/ },
    { name: 'a top-level list', text: '- apiVersion: bulkhead.dev/v1alpha1\n  kind: AgentPolicy\n', message: /not an object/ },
    { name: 'a JSON array', text: '[1, 2, 3]', message: /not an object/ },
    { name: 'truncated JSON', text: '{"apiVersion": "bulkhead.dev/v1alpha1", "kind": "AgentPolicy", "metadata": {', message: /not valid YAML/ },
    { name: 'a List holding a policy and a Secret', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [JSON.parse(JSON.stringify({ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'ok' }, spec: {} })), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }] }), message: /apiVersion|kind/ },
    { name: 'binary garbage', text: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1'), message: /not valid YAML|not an object/ },
    { name: 'nesting 10,000 levels deep', text: `${'['.repeat(10_000)}${']'.repeat(10_000)}`, message: /not valid YAML|not an object/ },
    { name: 'a valid policy followed by a broken document', text: `${policy()}---\nkind: [\n`, message: /document 2.*not valid YAML/ },
    { name: 'a number too large for any field', text: policy().replace('spec: {}', 'spec: {resources: {quota: {pods: 1e400}}}'), message: /spec\.resources\.quota/ },
  ];
  for (const input of inputs) {
    test(`${input.name}: validate and render exit 1 with a one-line reason, render prints nothing`, async () => {
      const validated = await run(input.text, 'validate', '-f', '-');
      assert.equal(validated.status, 1, `validate: ${validated.stdout}${validated.stderr}`);
      assert.match(validated.stderr, input.message);
      assert.doesNotMatch(validated.stderr, /\n\s+at /, 'no stack trace');
      const rendered = await run(input.text, 'render', '-f', '-');
      assert.equal(rendered.status, 1);
      assert.equal(rendered.stdout, '');
    });
  }
});
