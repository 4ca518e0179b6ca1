import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSealingCertificate } from '../../../src/sealing/certificate.ts';
import { clusterWideAnnotation, namespaceWideAnnotation, scopeAnnotations, sealingLabel, type SealingTarget } from '../../../src/sealing/scope.ts';
import { sealValues } from '../../../src/sealing/seal-values.ts';
import { createSealingKey, unsealValue as unseal } from '../../support/sealing-keys.ts';

const pair = createSealingKey();
const key = parseSealingCertificate(pair.certificatePem, 'test');

const values = new Map([
  ['OPENAI_API_KEY', Buffer.from('sk-test-0123456789')],
  ['binary', Buffer.from([0, 1, 2, 254, 255])],
  ['empty', Buffer.alloc(0)],
]);

const scopes: { target: SealingTarget; label: string }[] = [
  { target: { namespace: 'agent-a', name: 'creds', scope: 'strict' }, label: 'agent-a/creds' },
  { target: { namespace: 'agent-a', name: 'creds', scope: 'namespace-wide' }, label: 'agent-a' },
  { target: { namespace: 'agent-a', name: 'creds', scope: 'cluster-wide' }, label: '' },
];

for (const { target, label } of scopes) {
  test(`${target.scope} scope: every value round-trips with the label "${label}"`, () => {
    const sealed = sealValues(key, target, values);
    assert.deepEqual(Object.keys(sealed), ['OPENAI_API_KEY', 'binary', 'empty']);
    for (const [name, plaintext] of values) {
      const ciphertext = sealed[name] as string;
      assert.match(ciphertext, /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'standard padded base64');
      assert.deepEqual(unseal(pair.privateKey, ciphertext, label), plaintext, name);
    }
    assert.equal(sealingLabel(target).toString(), label);
  });
}

test('wire format: 2-byte big-endian RSA length equal to the modulus size, then AES-GCM ciphertext and a 16-byte tag', () => {
  const plaintext = Buffer.from('exactly 25 bytes of text!');
  const blob = Buffer.from(sealValues(key, scopes[0]!.target, new Map([['k', plaintext]]))['k'] as string, 'base64');
  assert.equal(key.modulusBits, 2048);
  assert.equal(blob.readUInt16BE(0), 256);
  assert.equal(blob.length, 2 + 256 + plaintext.length + 16);
});

test('a fresh session key for every value: the same value sealed twice differs', () => {
  const twice = new Map([['a', Buffer.from('same')], ['b', Buffer.from('same')]]);
  const sealed = sealValues(key, scopes[0]!.target, twice);
  assert.notEqual(sealed['a'], sealed['b']);
  const rsaPart = (s: string): string => Buffer.from(s, 'base64').subarray(2, 258).toString('hex');
  assert.notEqual(rsaPart(sealed['a'] as string), rsaPart(sealed['b'] as string));
});

test('a strict value does not open for another namespace, another name, or another scope', () => {
  const sealed = sealValues(key, scopes[0]!.target, new Map([['k', Buffer.from('secret')]]))['k'] as string;
  for (const wrong of ['agent-b/creds', 'agent-a/other', 'agent-a', '']) {
    assert.throws(() => unseal(pair.privateKey, sealed, wrong), /oaep|decoding|decrypt/i, wrong);
  }
  const namespaceWide = sealValues(key, scopes[1]!.target, new Map([['k', Buffer.from('secret')]]))['k'] as string;
  assert.throws(() => unseal(pair.privateKey, namespaceWide, 'agent-b'));
  assert.deepEqual(unseal(pair.privateKey, namespaceWide, 'agent-a'), Buffer.from('secret'));
});

test('another controller key cannot open it', () => {
  const other = createSealingKey();
  const sealed = sealValues(key, scopes[0]!.target, new Map([['k', Buffer.from('secret')]]))['k'] as string;
  assert.throws(() => unseal(other.privateKey, sealed, 'agent-a/creds'));
});

test('scope annotations: none for strict, the upstream annotation for the others', () => {
  assert.deepEqual(scopeAnnotations('strict'), {});
  assert.deepEqual(scopeAnnotations('namespace-wide'), { [namespaceWideAnnotation]: 'true' });
  assert.deepEqual(scopeAnnotations('cluster-wide'), { [clusterWideAnnotation]: 'true' });
  assert.equal(namespaceWideAnnotation, 'sealedsecrets.bitnami.com/namespace-wide');
  assert.equal(clusterWideAnnotation, 'sealedsecrets.bitnami.com/cluster-wide');
});
