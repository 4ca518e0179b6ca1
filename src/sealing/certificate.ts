/**
 * The Sealed Secrets controller's certificate, as kubeseal reads it: the first certificate of a PEM text, which must
 * hold an RSA key and be valid now. A certificate that would seal values the controller can never open (expired,
 * from the future, another algorithm) is refused here, with the reason, instead of producing useless ciphertext.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';

export interface SealingKey {
  readonly publicKey: KeyObject;
  /** SHA-256 fingerprint of the certificate, as `openssl x509 -fingerprint -sha256` prints it. */
  readonly fingerprint: string;
  readonly subject: string;
  readonly notAfter: Date;
  readonly modulusBits: number;
}

export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

const pemBlock = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/;

/** `source` names where the PEM came from (a file, the controller's service) in error messages. */
export function parseSealingCertificate(pem: string, source: string, now: Date = new Date()): SealingKey {
  const block = pemBlock.exec(pem)?.[0];
  if (block === undefined) throw new CertificateError(`${source}: no PEM certificate (-----BEGIN CERTIFICATE-----) found`);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(block);
  } catch (error) {
    throw new CertificateError(`${source}: not a valid X.509 certificate: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const type = certificate.publicKey.asymmetricKeyType;
  if (type !== 'rsa') {
    throw new CertificateError(`${source}: the certificate's key type is ${type ?? 'unknown'}, not RSA: Sealed Secrets seals with RSA-OAEP`);
  }
  if (now < certificate.validFromDate) {
    throw new CertificateError(`${source}: the certificate is not valid yet (valid from ${certificate.validFromDate.toISOString()})`);
  }
  if (now > certificate.validToDate) {
    throw new CertificateError(
      `${source}: the certificate expired on ${certificate.validToDate.toISOString()}; fetch the controller's current one`,
    );
  }
  return {
    publicKey: certificate.publicKey,
    fingerprint: certificate.fingerprint256,
    subject: certificate.subject.replace(/\n/g, ', '),
    notAfter: certificate.validToDate,
    modulusBits: certificate.publicKey.asymmetricKeyDetails?.modulusLength ?? 0,
  };
}
