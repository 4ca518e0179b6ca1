/**
 * Throwaway Sealed Secrets key pairs for tests: a private key and a self-signed certificate, as the controller
 * generates them (openssl, like the control plane's certificates). Nothing is left on disk.
 */
import { execFileSync } from 'node:child_process';
import { constants, createDecipheriv, createPrivateKey, privateDecrypt, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestSealingKey {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly privateKey: KeyObject;
}

export interface SealingKeyOptions {
  /** rsa (default, 2048 bits unless `bits`) or ec (P-256: a certificate the sealer must refuse). */
  readonly type?: 'rsa' | 'ec';
  readonly bits?: number;
  readonly days?: number;
}

export function createSealingKey(options: SealingKeyOptions = {}): TestSealingKey {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-sealing-key-'));
  try {
    const newKey = options.type === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', `rsa:${options.bits ?? 2048}`];
    execFileSync(
      'openssl',
      ['req', '-x509', ...newKey, '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', String(options.days ?? 2), '-subj', '/O=sealed-secret/CN=sealed-secret'],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const privateKeyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
    return { certificatePem: readFileSync(join(dir, 'cert.pem'), 'utf8'), privateKeyPem, privateKey: createPrivateKey(privateKeyPem) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The controller's HybridDecrypt, written from the wire format in sealed-secrets.md (not from the code under test):
 * uint16 BE length || RSA-OAEP(SHA-256, label) session key || AES-256-GCM(zero nonce) ciphertext || 16-byte tag.
 */
export function unsealValue(privateKey: KeyObject, base64: string, label: string): Buffer {
  const blob = Buffer.from(base64, 'base64');
  const rsaLength = blob.readUInt16BE(0);
  const sessionKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) },
    blob.subarray(2, 2 + rsaLength),
  );
  const body = blob.subarray(2 + rsaLength);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
}
