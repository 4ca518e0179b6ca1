/**
 * The Sealed Secrets hybrid encryption of one value, byte for byte as its pkg/crypto HybridEncrypt writes it
 * (sealed-secrets.md): a fresh AES-256 session key, wrapped with RSA-OAEP (SHA-256, the scope as label), then the
 * value under AES-256-GCM with a zero nonce. Blob = uint16 BE len(rsaCt) || rsaCt || aesCt || tag.
 */
import { constants, createCipheriv, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';

const sessionKeyBytes = 32;
// Safe only because every session key encrypts exactly one value.
const zeroNonce = Buffer.alloc(12);

export function hybridEncrypt(publicKey: KeyObject, plaintext: Uint8Array, label: Buffer): Buffer {
  const sessionKey = randomBytes(sessionKeyBytes);
  try {
    const rsaCiphertext = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label },
      sessionKey,
    );
    const cipher = createCipheriv('aes-256-gcm', sessionKey, zeroNonce);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(rsaCiphertext.length);
    return Buffer.concat([length, rsaCiphertext, body]);
  } finally {
    sessionKey.fill(0);
  }
}
