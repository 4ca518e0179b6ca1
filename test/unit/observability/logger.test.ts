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
