import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultControllerRateLimiter,
  ExponentialBackoffRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from '../../../src/controller/rate-limiter.ts';

test('exponential backoff doubles from 5 ms and caps at 5 minutes; forget resets it', () => {
  const limiter = new ExponentialBackoffRateLimiter({ random: () => 0 });
  const delays = Array.from({ length: 20 }, () => limiter.when('a'));
  assert.deepEqual(delays.slice(0, 5), [5, 10, 20, 40, 80]);
  assert.equal(delays.at(-1), 300_000);
  assert.ok(delays.every((d) => d <= 300_000));
  assert.equal(limiter.retries('a'), 20);
  assert.equal(limiter.when('b'), 5, 'keys are independent');
  limiter.forget('a');
  assert.equal(limiter.retries('a'), 0);
  assert.equal(limiter.when('a'), 5);
});

test('exponential backoff jitter removes at most the jitter fraction and never goes below the base', () => {
  const limiter = new ExponentialBackoffRateLimiter({ random: () => 0.999_999, jitter: 0.1 });
  const delays = Array.from({ length: 30 }, () => limiter.when('a'));
  assert.equal(delays[0], 5);
  assert.equal(delays[4], 72); // 80 * (1 - 0.1)
  assert.equal(delays.at(-1), 270_000);
  const max = new ExponentialBackoffRateLimiter({ random: () => 0.999_999, jitter: 0.9 });
  assert.equal(max.when('a'), 5);
  assert.throws(() => new ExponentialBackoffRateLimiter({ jitter: 1 }), RangeError);
});

test('token bucket allows the burst at once, then one token per 1/qps seconds, refilling with time', () => {
  let now = 0;
  const bucket = new TokenBucketRateLimiter({ qps: 10, burst: 3, now: () => now });
  assert.deepEqual([bucket.when('a'), bucket.when('b'), bucket.when('c')], [0, 0, 0]);
  assert.equal(bucket.when('d'), 100);
  assert.equal(bucket.when('e'), 200, 'reservations queue up');
  now = 1_000; // +10 tokens, capped at the burst: -2 + 10 -> 3
  assert.equal(bucket.when('f'), 0);
  assert.equal(bucket.retries('f'), 0);
});

test('max-of takes the larger delay and forgets in every limiter', () => {
  let now = 0;
  const limiter = new MaxOfRateLimiter(
    new ExponentialBackoffRateLimiter({ random: () => 0 }),
    new TokenBucketRateLimiter({ qps: 1, burst: 1, now: () => now }),
  );
  assert.equal(limiter.when('a'), 5);
  assert.equal(limiter.when('a'), 1_000, 'the bucket is empty');
  now = 10_000;
  assert.equal(limiter.when('a'), 20);
  assert.equal(limiter.retries('a'), 3);
  limiter.forget('a');
  assert.equal(limiter.retries('a'), 0);
});

test('the default controller limiter is 5 ms per key at first under a 100 burst', () => {
  const limiter = defaultControllerRateLimiter({ random: () => 0, now: () => 0 });
  const first = Array.from({ length: 100 }, (_, i) => limiter.when(`k${i}`));
  assert.ok(first.every((d) => d === 5));
  assert.equal(limiter.when('k100'), 100, 'the 101st attempt within a second waits for the 10 qps bucket');
});
