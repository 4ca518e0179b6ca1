import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { toYaml, toYamlStream } from '../../src/cli/yaml-emitter.ts';

const tricky = {
  plain: 'bulkhead-default-deny',
  looksLikeBool: ['yes', 'No', 'true', 'off', 'null', 'y'],
  looksLikeNumber: ['1', '0.5', '1e3', '0x10', '0o7', '.inf', '100m', '1Gi', '-1'],
  punctuation: ['::/0', 'a: b', '- x', '#c', '{x}', '[y]', '*ref', '&a', '!tag', '%x', '@x', '`x', "'q'", '"q"', '|', '>', '?', ''],
  whitespace: [' lead', 'trail ', 'two\nlines', 'tab\there', 'sep\u2028x'],
  unicode: 'ünïcødé ✓',
  numbers: [0, -3, 65535, 1.5],
  booleans: [true, false],
  nothing: null,
  empty: { list: [], map: {} },
  nested: [{ a: [{ b: { c: [1, [2, 3], { d: 'e' }] } }] }, [[]], [{}]],
  'key with: colon': 1,
  'kubernetes.io/metadata.name': 'x',
};

test('output reads back as the same data', () => {
  assert.deepEqual(parse(toYaml(tricky)), tricky);
});

test('a stream holds one document per object', () => {
  const docs = parseAllDocuments(toYamlStream([{ a: 1 }, { b: [1] }, tricky]));
  assert.ok(Array.isArray(docs));
  assert.deepEqual(docs.map((d) => d.toJS()), [{ a: 1 }, { b: [1] }, tricky]);
});

test('Kubernetes names stay plain; ambiguous strings are quoted', () => {
  assert.equal(toYaml({ kind: 'NetworkPolicy', cidr: '0.0.0.0/0', on: 'on' }), 'kind: NetworkPolicy\ncidr: "0.0.0.0/0"\n"on": "on"\n');
});
