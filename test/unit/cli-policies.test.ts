/* eslint-disable @typescript-eslint/no-explicit-any -- these tests probe free-form manifests field by field */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { runCli } from '../../src/main.ts';
import { agentPolicyCrdYaml } from '../../src/crd/agent-policy-crd.ts';

async function run(args: string[], stdinText = ''): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const status = await runCli(args, { stdout, stderr, stdin });
  return { status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const samples = new URL('../../manifests/samples/', import.meta.url).pathname;
const sample = (name: string): string => join(samples, `${name}.yaml`);
const tmp = mkdtempSync(join(tmpdir(), 'bulkhead-cli-'));
function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

test('render prints the envelope as multi-document YAML, notes the missing uid on stderr', async () => {
  const result = await run(['render', '-f', sample('typical')]);
  assert.equal(result.status, 0, result.stderr);
  const docs = parseAllDocuments(result.stdout);
  assert.ok(Array.isArray(docs));
  const objects = docs.map((d) => d.toJS() as { kind: string; metadata: { ownerReferences?: unknown } });
  assert.equal(objects[0]?.kind, 'Namespace');
  assert.ok(objects.some((o) => o.kind === 'FlowSchema'));
  assert.ok(objects.every((o) => o.metadata.ownerReferences === undefined));
  assert.match(result.stderr, /note: 1 of 1 policies have no metadata\.uid/);
});

test('render equals the golden file but for ownerReferences', async () => {
  const result = await run(['render', '-f', sample('minimal')]);
  const golden = readFileSync(new URL('../golden/minimal.yaml', import.meta.url), 'utf8');
  const strip = (text: string) =>
    (parseAllDocuments(text) as { toJS(): { metadata: Record<string, unknown> } }[]).map((d) => {
      const o = d.toJS();
      delete o.metadata['ownerReferences'];
      return o;
    });
  assert.deepEqual(strip(result.stdout), strip(golden));
});

test('render -o json prints a v1 List; a uid in the input gives ownerReferences and no note', async () => {
  const text = readFileSync(sample('minimal'), 'utf8').replace('name: minimal', 'name: minimal\n  uid: "1234"');
  const result = await run(['render', '-f', '-', '-o', 'json'], text);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '');
  const list = JSON.parse(result.stdout) as { kind: string; items: { metadata: { ownerReferences: { uid: string }[] } }[] };
  assert.equal(list.kind, 'List');
  assert.ok(list.items.every((o) => (o as { kind?: string }).kind === 'RuntimeClass' || o.metadata.ownerReferences[0]?.uid === '1234'));
});

test('render refuses policies that want one RuntimeClass different, naming both', async () => {
  const two = file(
    'disagree.yaml',
    [['a', '100m'], ['b', '2']]
      .map(([n, cpu]) => `apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata: {name: ${n}}\nspec: {sandbox: {runtimeClass: {overhead: {cpu: '${cpu}'}}}}\n`)
      .join('---\n'),
  );
  const result = await run(['render', '-f', two]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /AgentPolicies a and b want RuntimeClass gvisor different/);
  assert.equal(result.stdout, '');
});

test('render takes directories and many documents; a shared RuntimeClass is printed once', async () => {
  const two = file(
    'two.yaml',
    ['a', 'b'].map((n) => `apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata: {name: ${n}, uid: uid-${n}}\n`).join('---\n'),
  );
  const result = await run(['render', '-f', two, '-f', samples]);
  assert.equal(result.status, 0, result.stderr);
  const objects = (parseAllDocuments(result.stdout) as { toJS(): any }[]).map((d) => d.toJS());
  const gvisor = objects.filter((o) => o.kind === 'RuntimeClass' && o.metadata.name === 'gvisor');
  assert.equal(gvisor.length, 1);
  assert.equal(gvisor[0].metadata.ownerReferences, undefined, 'a shared class carries nothing per policy');
  const kinds = objects.map((o) => o.kind);
  assert.ok(kinds.lastIndexOf('Namespace') < kinds.indexOf('NetworkPolicy'), 'apply order across policies');
});

test('validate: exit 0 and a count when all are valid', async () => {
  const result = await run(['validate', '-f', samples]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, '7 policies valid\n');
});

test('validate prints every problem with file, policy and field path, and exits 1', async () => {
  const bad = file(
    'bad.yaml',
    `apiVersion: bulkhead.dev/v1alpha1
kind: AgentPolicy
metadata: {name: bad}
spec:
  network: {egress: [{cidr: 10.0.0.1/8}]}
  rbac: {clusterRoles: [cluster-admin], rules: [{apiGroups: [""], resources: [pods], verbs: ["*"]}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
{ not: yaml: at all
`,
  );
  const result = await run(['validate', '-f', bad]);
  assert.equal(result.status, 1);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trim().split('\n');
  assert.ok(lines.includes(`${bad}: bad: spec.network.egress[0].cidr: must be in canonical form (no host bits set): 10.0.0.0/8`), result.stderr);
  assert.ok(lines.includes(`${bad}: bad: spec.rbac.rules[0].verbs[0]: must not contain "*" in verbs`), result.stderr);
  assert.ok(lines.some((l) => l.startsWith(`${bad} (document 2): cm: kind: must be AgentPolicy`)), result.stderr);
  assert.ok(lines.some((l) => l.startsWith(`${bad} (document 3): not valid YAML`)), result.stderr);
  assert.match(lines.at(-1) ?? '', /^\d+ problems found$/);
  assert.ok(!result.stderr.includes('    at '), 'no stack trace');
});

test('validate checks semantics: the ceiling, bindable ClusterRoles, and a --ceiling file', async () => {
  const policy = file(
    'exec.yaml',
    'apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata: {name: exec}\nspec: {rbac: {rules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]}}\n',
  );
  const denied = await run(['validate', '-f', policy]);
  assert.equal(denied.status, 1);
  assert.match(denied.stderr, /exec: spec\.rbac\.rules\[0\]\.verbs\[0\]: "create" on pods\/exec \(group core\) lies outside the permission ceiling/);
  const ceiling = file(
    'ceiling.yaml',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\nrules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]\n',
  );
  const allowed = await run(['validate', '-f', policy, '--ceiling', ceiling]);
  assert.equal(allowed.status, 0, allowed.stderr);
});

test('two policies claiming one namespace conflict', async () => {
  const text = ['a', 'b'].map((n) => `apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata: {name: ${n}}\nspec: {namespace: {name: shared}}\n`).join('---\n');
  const result = await run(['validate', '-f', '-'], text);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /<stdin> \(document 2\): b: spec\.namespace\.name: namespace "shared" is already claimed by AgentPolicy a/);
});

test('render refuses invalid input and prints nothing on stdout', async () => {
  const result = await run(['render', '-f', '-'], 'apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata: {name: x}\nspec: {bogus: 1}\n');
  assert.equal(result.status, 1);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr, 'bulkhead render: <stdin>: x: spec.bogus: unknown field\n');
});

test('usage errors are one line with status 2', async () => {
  const none = await run(['render']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^bulkhead render: no input/);
  const badFlag = await run(['validate', '--nope']);
  assert.equal(badFlag.status, 2);
  assert.equal(badFlag.stderr.trim().split('\n').length, 1);
  const badOutput = await run(['render', '-f', sample('minimal'), '-o', 'xml']);
  assert.equal(badOutput.status, 2);
  const missing = await run(['validate', '-f', join(tmp, 'nope.yaml')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.yaml: no such file or directory/);
});

test('crd prints the generated CRD; every command has teaching help', async () => {
  const crd = await run(['crd']);
  assert.equal(crd.status, 0);
  assert.equal(crd.stdout, agentPolicyCrdYaml());
  assert.equal((JSON.parse((await run(['crd', '-o', 'json'])).stdout) as { kind: string }).kind, 'CustomResourceDefinition');
  assert.equal((parse(crd.stdout) as { kind: string }).kind, 'CustomResourceDefinition');
  for (const command of ['render', 'validate', 'crd']) {
    const help = await run([command, '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: bulkhead /);
    assert.match(help.stdout, /Examples:/);
  }
});
