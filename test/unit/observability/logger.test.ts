import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, policyLogger } from '../../../src/observability/logger.ts';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('secret values are redacted at any of the first levels; other fields pass', () => {
  const out = capture();
  const logger = createLogger({ destination: out.stream });
  logger.info(
    {
      object: { kind: 'Secret', data: { key: 'czNjcjN0' }, stringData: { key: 's3cr3t' }, metadata: { name: 'n' } },
      policy: { spec: { secrets: { first: { encryptedData: { K: 'AgB4' } } } } },
      request: { headers: { authorization: 'Bearer abc', Authorization: 'Bearer def' } },
      token: 'abc',
      user: { password: 'pw' },
    },
    'applied',
  );
  const text = JSON.stringify(out.lines()[0]);
  for (const secret of ['czNjcjN0', 's3cr3t', 'AgB4', 'Bearer abc', 'Bearer def', '"abc"', '"pw"']) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  const line = out.lines()[0] as { msg: string; level: string; object: { metadata: { name: string }; data: string } };
  assert.equal(line.object.data, '[REDACTED]');
  assert.equal(line.object.metadata.name, 'n');
  assert.equal(line.msg, 'applied');
  assert.equal(line.level, 'info');
});

test('the policy logger names the policy on every line', () => {
  const out = capture();
  policyLogger(createLogger({ destination: out.stream }), 'research-assistant').warn('x');
  assert.equal(out.lines()[0]?.policy, 'research-assistant');
  assert.equal(out.lines()[0]?.name, 'bulkhead');
});

// A real-looking ServiceAccount token (header.payload.signature) and certificate material, as seeded values.
const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YjpiIn0.c2lnbmF0dXJlLXNlZWRlZC12YWx1ZQ';
const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBseededkeymaterial0123456789abcdef\n-----END EC PRIVATE KEY-----';
const pemBase64 = Buffer.from(pem).toString('base64');

test('tokens, certificates and secret data are redacted by shape wherever they end up: messages, errors, causes, deep fields', () => {
  const out = capture();
  const logger = createLogger({ destination: out.stream, level: 'trace' });
  const response = JSON.stringify({ kind: 'Secret', data: { key: 'c2VlZGVkLXNlY3JldA==' }, metadata: { name: 'x' } });
  // An API error as client-node throws it: the response body as text, the headers; and a cause chain.
  const error = Object.assign(new Error(`apply failed with token ${jwt}`, { cause: new Error(`caused by ${jwt}`) }), {
    body: response,
    headers: { 'www-authenticate': `Bearer ${jwt}` },
  });
  logger.warn({ err: error }, 'write failed');
  logger.error(`request refused: Authorization: Bearer opaque-token-123456`);
  logger.info({ kubeconfig: { users: [{ user: { 'client-certificate-data': pemBase64 } }] }, note: `ca ${pemBase64}` }, 'loaded');
  logger.info({ a: { b: { c: { d: { e: { token: 'deep-token-value', data: { k: 'deep-secret-data' } } } } } } }, 'deep');
  logger.debug({ key: pem }, 'pem in a field no list names');
  const text = out.lines().map((l) => JSON.stringify(l)).join('\n');
  for (const secret of [jwt.split('.')[2] as string, 'c2VlZGVkLXNlY3JldA==', 'opaque-token-123456', 'seededkeymaterial', pemBase64.slice(0, 40), 'deep-token-value', 'deep-secret-data']) {
    assert.ok(!text.includes(secret), `${secret} leaked:\n${text}`);
  }
  // What is not secret stays: messages, names, the shape of the error.
  assert.deepEqual(out.lines().map((l) => l['msg']), ['write failed', 'request refused: Authorization: [REDACTED]', 'loaded', 'deep', 'pem in a field no list names']);
  assert.match(text, /"name\\":\\"x\\"/);
  assert.match(text, /caused by \[REDACTED\]/);
});

test('every line stays valid JSON after redaction, and unrelated text is left alone', () => {
  const out = capture();
  const logger = createLogger({ destination: out.stream });
  logger.info({ message: 'Bearer is a word; eyJ alone is not a token; data without a value', dataset: 'd', tokens: 3 }, 'plain');
  const [line] = out.lines();
  assert.equal(line?.['message'], 'Bearer is a word; eyJ alone is not a token; data without a value');
  assert.equal(line?.['dataset'], 'd');
  assert.equal(line?.['tokens'], 3);
});
