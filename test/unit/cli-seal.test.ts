import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { parseEnvFile } from '../../src/cli/secret-values.ts';
import { runCli } from '../../src/main.ts';
import { createSealingKey, unsealValue } from '../support/sealing-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'bulkhead-seal-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = createSealingKey();
const certFile = join(dir, 'cert.pem');
writeFileSync(certFile, key.certificatePem);

/** A value no output may ever contain. */
const plaintext = 'pl41ntext-CANARY-7f3a';

const policyText = `# The research agent. Keep this comment.
apiVersion: bulkhead.dev/v1alpha1
kind: AgentPolicy
metadata:
  name: research   # the policy name
spec:
  namespace:
    name: agent-research-x
  rbac:
    rules:
      - apiGroups: [""]      # core
        resources: [secrets]
        verbs: [get]
        resourceNames: [openai]
  secrets:
    # the model key
    - name: openai
      encryptedData:
        OPENAI_API_KEY: AgB4k2Vx9Q7b3YhP0w==
`;

let fileCount = 0;
function policyFile(text = policyText): string {
  const path = join(dir, `policy-${(fileCount += 1)}.yaml`);
  writeFileSync(path, text);
  return path;
}

async function seal(args: string[], stdin = ''): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const input = new PassThrough();
  input.end(stdin);
  const status = await runCli(['seal', ...args], { stdout, stderr, stdin: input });
  const result = { status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  assert.ok(!result.stdout.includes(plaintext) && !result.stderr.includes(plaintext), 'the plaintext reached stdout or stderr');
  return result;
}

interface Entry {
  name: string;
  type: string;
  encryptedData: Record<string, string>;
}

const open = (ciphertext: string | undefined, label: string): string => unsealValue(key.privateKey, ciphertext ?? '', label).toString();

test('--help teaches the flow with an example', async () => {
  const help = await seal(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: bulkhead seal/);
  assert.match(help.stdout, /The flow:/);
  assert.match(help.stdout, /--from-file OPENAI_API_KEY=- --in-place/);
  assert.match(help.stdout, /SecretsSynced=True/);
  assert.match(help.stdout, /Examples:/);
});

test('prints the spec.secrets entry, sealed strictly for the namespace the policy names', async () => {
  const file = policyFile();
  const result = await seal(['-f', file, '--secret', 'tools', '--cert', certFile, '--from-literal', `TOKEN=${plaintext}`, '--from-file', 'NOTE=-'], 'from stdin\n');
  assert.equal(result.status, 0, result.stderr);
  const [entry] = (parse(result.stdout) as { secrets: Entry[] }).secrets;
  assert.equal(entry?.name, 'tools');
  assert.equal(entry?.type, 'Opaque');
  assert.deepEqual(Object.keys(entry?.encryptedData ?? {}), ['NOTE', 'TOKEN']);
  assert.equal(open(entry?.encryptedData['TOKEN'], 'agent-research-x/tools'), plaintext);
  assert.equal(open(entry?.encryptedData['NOTE'], 'agent-research-x/tools'), 'from stdin\n');
  assert.throws(() => open(entry?.encryptedData['TOKEN'], 'agent-research/tools'));
  assert.match(result.stderr, /sealed NOTE, TOKEN for agent-research-x\/tools \(strict scope\)/);
  assert.match(result.stderr, /--in-place/);
  assert.equal(readFileSync(file, 'utf8'), policyText, 'without --in-place the file is untouched');
});

test('the default namespace is agent-<name>; --from-file takes the file name as key; --from-env-file reads KEY=VALUE lines', async () => {
  const file = policyFile('apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata:\n  name: plain\nspec: {}\n');
  const valueFile = join(dir, 'api-token');
  writeFileSync(valueFile, plaintext);
  const envFile = join(dir, 'tools.env');
  writeFileSync(envFile, `# tools\n\nA=1\n  B = two=2 \r\nC=\n`);
  const result = await seal(['-f', file, '--secret', 'tools', '--type', 'example.com/token', '--cert', certFile, '--from-file', valueFile, '--from-env-file', envFile]);
  assert.equal(result.status, 0, result.stderr);
  const [entry] = (parse(result.stdout) as { secrets: Entry[] }).secrets;
  assert.equal(entry?.type, 'example.com/token');
  const label = 'agent-plain/tools';
  assert.equal(open(entry?.encryptedData['api-token'], label), plaintext);
  assert.equal(open(entry?.encryptedData['A'], label), '1');
  assert.equal(open(entry?.encryptedData['B'], label), ' two=2 ');
  assert.equal(open(entry?.encryptedData['C'], label), '');
});

test('--in-place adds a new secret and keeps comments, the other entries and the file mode', async () => {
  const file = policyFile();
  chmodSync(file, 0o640);
  const result = await seal(['-f', file, '--secret', 'search', '--cert', certFile, '--from-file', 'KEY=-', '--in-place'], plaintext);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /wrote spec\.secrets\[search\]/);
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(plaintext));
  for (const kept of ['# The research agent. Keep this comment.', 'name: research # the policy name', '# the model key', '- apiGroups: [""] # core', 'OPENAI_API_KEY: AgB4k2Vx9Q7b3YhP0w==']) {
    assert.ok(text.includes(kept), `lost: ${kept}\n${text}`);
  }
  const secrets = (parse(text) as { spec: { secrets: Entry[] } }).spec.secrets;
  assert.deepEqual(secrets.map((s) => s.name), ['openai', 'search']);
  assert.equal(open(secrets[1]?.encryptedData['KEY'], 'agent-research-x/search'), plaintext);
  assert.ok(!/^\s+KEY: .*\n\s+[A-Za-z0-9+/=]+$/m.test(text), 'the ciphertext stays on one line');
  assert.equal(statSync(file).mode & 0o777, 0o640);
});

test('--in-place into an existing secret adds keys, replaces a key of the same name, and keeps the rest', async () => {
  const file = policyFile();
  assert.equal((await seal(['-f', file, '--secret', 'openai', '--cert', certFile, '--from-literal', `ORG=${plaintext}`, '--in-place'])).status, 0);
  let secrets = (parse(readFileSync(file, 'utf8')) as { spec: { secrets: Entry[] } }).spec.secrets;
  assert.equal(secrets.length, 1);
  assert.equal(secrets[0]?.encryptedData['OPENAI_API_KEY'], 'AgB4k2Vx9Q7b3YhP0w==');
  assert.equal(open(secrets[0]?.encryptedData['ORG'], 'agent-research-x/openai'), plaintext);
  assert.equal((secrets[0] as Partial<Entry>).type, undefined, 'an omitted type stays omitted');

  assert.equal((await seal(['-f', file, '--secret', 'openai', '--cert', certFile, '--from-literal', 'OPENAI_API_KEY=rotated', '--in-place'])).status, 0);
  secrets = (parse(readFileSync(file, 'utf8')) as { spec: { secrets: Entry[] } }).spec.secrets;
  assert.deepEqual(Object.keys(secrets[0]?.encryptedData ?? {}), ['OPENAI_API_KEY', 'ORG']);
  assert.equal(open(secrets[0]?.encryptedData['OPENAI_API_KEY'], 'agent-research-x/openai'), 'rotated');
});

test('--in-place works in a multi-document file and on `secrets: []`, touching only the AgentPolicy', async () => {
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n---\napiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata:\n  name: multi\nspec:\n  secrets: []   # none yet\n---\n# trailing document\nkind: Note\n`;
  const file = policyFile(text);
  const result = await seal(['-f', file, '--secret', 'one', '--cert', certFile, '--from-literal', 'K=v', '--in-place']);
  assert.equal(result.status, 0, result.stderr);
  const written = readFileSync(file, 'utf8');
  assert.ok(written.startsWith('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n---\n'), written);
  assert.ok(written.endsWith('---\n# trailing document\nkind: Note\n'), written);
  assert.match(written, /secrets:\n {4}- name: one\n {6}type: Opaque\n {6}encryptedData:\n {8}K: [A-Za-z0-9+/=]+\n/);
});

test('--in-place never writes a policy the API server would refuse (the 33rd secret)', async () => {
  const many = Array.from({ length: 32 }, (_, i) => `    - name: s${i}\n      encryptedData: {K: AgB4}\n`).join('');
  const text = `apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata:\n  name: full\nspec:\n  secrets:\n${many}`;
  const file = policyFile(text);
  const result = await seal(['-f', file, '--secret', 'one-more', '--cert', certFile, '--from-literal', 'K=v', '--in-place']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /after sealing: spec\.secrets: must have at most 32 items/);
  assert.equal(readFileSync(file, 'utf8'), text);
});

test('an invalid policy is reported with its field path, exit status 1', async () => {
  const file = policyFile('apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata:\n  name: bad\nspec:\n  sandbox: {enforcement: Sometimes}\n');
  const result = await seal(['-f', file, '--secret', 's', '--cert', certFile, '--from-literal', 'K=v']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^bulkhead seal: .*policy-\d+\.yaml: spec\.sandbox\.enforcement: /m);
  assert.equal(result.stdout, '');
});

test('certificate problems stop before any value is read, naming the certificate', async () => {
  const expired = join(dir, 'ec.pem');
  writeFileSync(expired, createSealingKey({ type: 'ec' }).certificatePem);
  const result = await seal(['-f', policyFile(), '--secret', 's', '--cert', expired, '--from-literal', 'K=v']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^bulkhead seal: --cert .*ec\.pem: the certificate's key type is ec, not RSA/);
  const missing = await seal(['-f', policyFile(), '--secret', 's', '--cert', join(dir, 'nope.pem'), '--from-literal', 'K=v']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--cert .*nope\.pem: no such file/);
});

test('usage errors name the flag, exit status 2, and never echo a value', async () => {
  const file = policyFile();
  const cases: [string[], RegExp][] = [
    [['--secret', 's', '--from-literal', 'K=v'], /name the policy: -f FILE or --policy NAME/],
    [['-f', file, '--policy', 'p', '--secret', 's', '--from-literal', 'K=v'], /name the policy: -f FILE or --policy NAME \(one of them\)/],
    [['-f', file, '--from-literal', 'K=v'], /--secret NAME is required/],
    [['-f', file, '--secret', 'Not_A_Name', '--from-literal', 'K=v'], /--secret "Not_A_Name" is not a DNS-1123 subdomain/],
    [['--policy', 'p', '--secret', 's', '--from-literal', 'K=v', '--in-place'], /--in-place needs the policy as -f FILE/],
    [['-f', '-', '--secret', 's', '--from-literal', 'K=v', '--in-place'], /--in-place needs the policy as -f FILE/],
    [['-f', '-', '--secret', 's', '--from-file', 'K=-'], /standard input \(-\) can be read once/],
    [['-f', file, '--secret', 's', '--from-file', 'A=-', '--from-env-file', '-'], /standard input \(-\) can be read once/],
    [['-f', file, '--secret', 's', '--cert', certFile, '--controller-name', 'x', '--from-literal', 'K=v'], /--cert and --controller-namespace\/--controller-name exclude each other/],
    [['-f', file, '--secret', 's', '--controller-namespace', 'Bad!', '--from-literal', 'K=v'], /--controller-namespace "Bad!" is not a namespace name/],
    [['-f', file, '--secret', 's', '--cert', certFile], /no values: pass --from-literal KEY=VALUE/],
    [['-f', file, '--secret', 's', '--cert', certFile, '--from-literal', plaintext], /--from-literal must be KEY=VALUE \(the argument is not shown/],
    [['-f', file, '--secret', 's', '--cert', certFile, '--from-literal', `bad key=${plaintext}`], /--from-literal: "bad key" is not a valid Secret key/],
    [['-f', file, '--secret', 's', '--cert', certFile, '--from-literal', 'K=1', '--from-literal', `K=${plaintext}`], /--from-literal: key "K" is given twice/],
    [['-f', file, '--secret', 's', '--cert', certFile, '--from-literal', 'K=', plaintext], /unexpected argument \(not shown: it may be a value\)/],
    [['-f', file, '--secret', 's', '--cert', certFile, '--from-file', '-'], /--from-file -: name the key for standard input, as KEY=-/],
    [['-f', file, '--secret', 's', '--cert', certFile, '--from-file', `K=${join(dir, 'missing')}`], /--from-file .*missing: no such file/],
    [['-f', file, '--secret', 'openai', '--type', 'kubernetes.io/tls', '--cert', certFile, '--from-literal', 'K=v'], /--type kubernetes\.io\/tls: secret openai in the policy has type Opaque; a Secret's type cannot change/],
    [['-f', join(dir, 'absent.yaml'), '--secret', 's', '--cert', certFile, '--from-literal', 'K=v'], /-f .*absent\.yaml: no such file/],
    [['-f', policyFile('kind: ConfigMap\n'), '--secret', 's', '--cert', certFile, '--from-literal', 'K=v'], /holds no AgentPolicy/],
  ];
  for (const [args, message] of cases) {
    const result = await seal(args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.equal(result.stdout, '');
  }
});

test('an env file line that is not KEY=VALUE is reported by number, never shown', () => {
  assert.throws(
    () => parseEnvFile(Buffer.from(`A=1\n${plaintext}\n`), 'x.env'),
    (error: Error) => error.message === '--from-env-file x.env: line 2 is not KEY=VALUE (the line is not shown)',
  );
  assert.deepEqual(
    parseEnvFile(Buffer.from('\ufeffA=1\n#B=2\n\n  C=3\r\n'), 'bom.env').map(([k, v]) => [k, v.toString()]),
    [['A', '1'], ['C', '3']],
  );
});
