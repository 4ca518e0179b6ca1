import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/command.ts';
import { parseDuration } from '../../src/cli/duration.ts';

test('durations: ms, s, m, h; anything else is a usage error naming the flag', () => {
  assert.equal(parseDuration('resync', '500ms'), 500);
  assert.equal(parseDuration('resync', '15s'), 15_000);
  assert.equal(parseDuration('resync', '1.5s'), 1_500);
  assert.equal(parseDuration('resync', '10m'), 600_000);
  assert.equal(parseDuration('resync', '1h'), 3_600_000);
  assert.throws(() => parseDuration('lease-duration', '15'), (e: unknown) => e instanceof UsageError && /--lease-duration/.test(e.message));
  assert.throws(() => parseDuration('resync', '-1s'), UsageError);
});
