import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CertificateError, parseSealingCertificate } from '../../../src/sealing/certificate.ts';
import { createSealingKey } from '../../support/sealing-keys.ts';

const rsa = createSealingKey({ days: 1 });
const day = 24 * 60 * 60 * 1000;

test('an RSA certificate valid now gives its public key, fingerprint, subject and expiry', () => {
  const key = parseSealingCertificate(rsa.certificatePem, 'cert.pem');
  assert.equal(key.publicKey.asymmetricKeyType, 'rsa');
  assert.equal(key.modulusBits, 2048);
  assert.match(key.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.match(key.subject, /CN=sealed-secret/);
  assert.ok(key.notAfter.getTime() > Date.now());
});

test('an expired certificate is refused, saying when it expired', () => {
  assert.throws(
    () => parseSealingCertificate(rsa.certificatePem, 'cert.pem', new Date(Date.now() + 2 * day)),
    (error: Error) => error instanceof CertificateError && /^cert\.pem: the certificate expired on \d{4}-/.test(error.message),
  );
});

test('a certificate that is not valid yet is refused', () => {
  assert.throws(
    () => parseSealingCertificate(rsa.certificatePem, 'cert.pem', new Date(Date.now() - day)),
    (error: Error) => error instanceof CertificateError && /not valid yet \(valid from \d{4}-/.test(error.message),
  );
});

test('a non-RSA certificate is refused, naming the key type', () => {
  const ec = createSealingKey({ type: 'ec' });
  assert.throws(
    () => parseSealingCertificate(ec.certificatePem, 'ec.pem'),
    (error: Error) => error instanceof CertificateError && /^ec\.pem: the certificate's key type is ec, not RSA/.test(error.message),
  );
});

test('no certificate, or a broken one, is a clear error naming the source', () => {
  assert.throws(() => parseSealingCertificate('', 'empty.pem'), /^CertificateError: empty\.pem: no PEM certificate/);
  assert.throws(() => parseSealingCertificate(rsa.privateKeyPem, 'key.pem'), /key\.pem: no PEM certificate/);
  const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  assert.throws(() => parseSealingCertificate(broken, 'broken.pem'), /broken\.pem: not a valid X\.509 certificate/);
});

test('of several certificates the first is used, as kubeseal does', () => {
  const second = createSealingKey();
  const key = parseSealingCertificate(`${rsa.certificatePem}${second.certificatePem}`, 'chain.pem');
  assert.equal(key.fingerprint, parseSealingCertificate(rsa.certificatePem, 'one.pem').fingerprint);
});
