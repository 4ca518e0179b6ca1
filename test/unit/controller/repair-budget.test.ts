import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RepairBudget } from '../../../src/controller/repair-budget.ts';

test('an object may be repaired `burst` times a window; then each repair waits twice as long, up to the cap', () => {
  const budget = new RepairBudget({ burst: 3, windowMs: 60_000, maxDelayMs: 8_000 });
  for (const t of [0, 1_000, 2_000]) {
    assert.equal(budget.delayFor('np', t), 0);
    budget.record('np', t);
  }
  assert.equal(budget.delayFor('np', 2_500), 500, 'the fourth waits 1 s after the third');
  budget.record('np', 3_000);
  assert.equal(budget.delayFor('np', 3_000), 2_000);
  budget.record('np', 5_000);
  budget.record('np', 9_000);
  budget.record('np', 17_000);
  assert.equal(budget.delayFor('np', 17_000), 8_000, 'capped');
  assert.equal(budget.count('np', 17_000), 7);
  assert.equal(budget.delayFor('other', 17_000), 0, 'per object');
  assert.equal(budget.delayFor('np', 120_000), 0, 'the window forgets');
});
