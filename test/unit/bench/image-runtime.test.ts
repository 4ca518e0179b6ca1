import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { imageRuntime, operatorRuntime, parseEnvPairs } from '../../../bench/lib/operator-process.ts';

test('the benchmark runs the operator with the runtime stage ENTRYPOINT flags and ENV of the Dockerfile', () => {
  const dockerfile = [
    'FROM node:24 AS build',
    'ENV BUILD_ONLY=1',
    'ENTRYPOINT ["node", "--ignored", "/src/bulkhead.mjs"]',
    'FROM distroless',
    'ENV NODE_ENV=production \\',
    '    MALLOC_ARENA_MAX=2',
    'ENTRYPOINT ["/nodejs/bin/node", "--optimize-for-size", "--max-semi-space-size=2", "/app/bulkhead.mjs"]',
    'CMD ["controller"]',
  ].join('\n');
  assert.deepEqual(imageRuntime(dockerfile), {
    nodeFlags: ['--optimize-for-size', '--max-semi-space-size=2'],
    env: { NODE_ENV: 'production', MALLOC_ARENA_MAX: '2' },
  });
  assert.deepEqual(imageRuntime('FROM x\nENTRYPOINT ["/nodejs/bin/node", "/app/bulkhead.mjs"]').nodeFlags, []);
  assert.throws(() => imageRuntime('FROM x\nENTRYPOINT node /app/bulkhead.mjs'), /ENTRYPOINT/);
  assert.throws(() => imageRuntime('FROM x\nENV A="b c"\nENTRYPOINT ["node", "/app/bulkhead.mjs"]'), /plain NAME=value/);
  assert.throws(() => imageRuntime('FROM x\nCMD ["controller"]'), /no ENTRYPOINT/);
});

test('the repository Dockerfile is understood, and BENCH_OPERATOR_PLAIN runs plain Node', () => {
  const shipped = operatorRuntime({});
  assert.deepEqual(shipped, imageRuntime(readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8')));
  assert.equal(shipped.env['NODE_ENV'], 'production');
  assert.deepEqual(operatorRuntime({ BENCH_OPERATOR_PLAIN: '1' }), { nodeFlags: [], env: { NODE_ENV: 'production' } });
  assert.deepEqual(parseEnvPairs(' A=1  B=x=y ', 'test'), { A: '1', B: 'x=y' });
  assert.throws(() => parseEnvPairs('NOVALUE', 'test'), /NAME=value/);
});
