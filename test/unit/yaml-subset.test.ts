import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { readYamlSubset } from '../../src/cli/yaml-subset.ts';
import { toYamlStream } from '../../src/cli/yaml-emitter.ts';
import { randomDocument, seededRandom } from './yaml-subset-cases.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const filesIn = (dir: string): string[] => readdirSync(new URL(dir, root)).filter((f) => f.endsWith('.yaml')).map((f) => `${dir}/${f}`);

/** What the yaml package makes of the text: its documents as JavaScript, or undefined when it reports an error. */
function oracle(text: string): unknown[] | undefined {
  const documents = parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [documents];
  if (list.some((d) => d.errors.length > 0)) return undefined;
  return list.map((d) => d.toJS({ maxAliasCount: 100 }));
}

/** The reader either steps aside or agrees with the yaml package exactly; it never accepts what the package refuses. */
function agrees(text: string, label: string): boolean {
  const fast = readYamlSubset(text);
  if (fast === undefined) return false;
  const expected = oracle(text);
  assert.notEqual(expected, undefined, `${label}: the reader accepted text the yaml package refuses: ${JSON.stringify(text)}`);
  assert.deepStrictEqual(fast, expected, `${label}: ${JSON.stringify(text)}`);
  return true;
}

test('the samples, the golden files and the fixtures read the same, without the yaml package', () => {
  for (const path of [...filesIn('manifests/samples'), ...filesIn('test/golden'), 'test/fixtures/invalid/cases.yaml']) {
    assert.ok(agrees(read(path), path), `${path} should be inside the subset`);
  }
});

test('other files of the repository either read the same or step aside', () => {
  for (const path of ['manifests/install.yaml', 'charts/bulkhead/values.yaml', 'charts/bulkhead/Chart.yaml', ...filesIn('crds')]) agrees(read(path), path);
});

test('documents are counted as the yaml package counts them (error messages name the document)', () => {
  const streams = ['', '\n', '# c\n', 'a: 1\n', 'a: 1\n---\n', '---\na: 1\n', '---\n---\na: 1\n', 'a: 1\n---\n# only a comment\n---\nb: 2', '# head\n---\na: 1', 'a: 1\n---\n\n---\n', '---', '--- \na: 1'];
  for (const text of streams) assert.ok(agrees(text, 'stream'), JSON.stringify(text));
});

test('plain scalars mean what the YAML 1.2 core schema says', () => {
  const values = ['1', '-1', '+1', '08', '0o17', '0x1F', '1e3', '1E3', '1.', '.5', '1.50', '1_000', '.inf', '-.inf', '.NaN', '~', 'null', 'NULL', 'True', 'FALSE', 'yes', 'off', 'on', '::/0', '2001:db8::/32', 'a#b', 'a # c', '100m'];
  for (const v of values) {
    assert.ok(agrees(`k: ${v}\n`, 'scalar'), v);
    if (!v.includes(' #')) assert.ok(agrees(`l: [${v}, {m: ${v}}]\n`, 'flow scalar'), v);
  }
});

test('what it does not know it leaves to the yaml package', () => {
  const outside = ['k: &a x\nl: *a', 'k: !!str 5', 'k: |\n  text', 'k: >-\n  text', 'k: a\n  continued', 'k: "two\n  lines"', '%YAML 1.2\n---\nk: v', 'k: v\n...', 'k:\tv', 'k: v\r\n', 'a: 1\na: 2', '? k\n: v', 'k: [a, b,]', 'k: {a}', '__proto__: 1', '50: x', '- - x', 'k: "\\x41"', '  k: v', 'k: - x', 'k: a: b'];
  for (const text of outside) assert.equal(readYamlSubset(text), undefined, JSON.stringify(text));
});

test('render output and the yaml package output read back the same', () => {
  const objects = [
    { kind: 'NetworkPolicy', spec: { egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443, protocol: 'TCP' }] }], ingress: [] } },
    { tricky: ['yes', 'No', 'on', '1', '0.5', '1e3', '::/0', 'a: b', '- x', '#c', ' lead', 'trail ', 'two\nlines', 'it\'s', '', null, true, 1.5, -3], empty: { list: [], map: {} } },
  ];
  assert.ok(agrees(toYamlStream(objects), 'emitter'));
  agrees(objects.map((o) => stringify(o)).join('---\n'), 'stringify');
});

test('generated documents: the reader agrees with the yaml package whenever it answers', () => {
  const random = seededRandom(20260401);
  let answered = 0;
  for (let i = 0; i < 4000; i++) if (agrees(randomDocument(random), `generated ${i}`)) answered++;
  assert.ok(answered > 100, `only ${answered} generated documents were inside the subset`);
});
