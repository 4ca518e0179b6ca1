import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeConditions, meaningfulTransitions, summarise, transitions, type Observations } from '../../../src/controller/conditions.ts';

const allTrue: Observations = {
  NamespaceReady: { status: 'True', reason: 'Reconciled', message: 'ok' },
  SandboxEnforced: { status: 'True', reason: 'Reconciled', message: 'ok' },
  NetworkIsolated: { status: 'True', reason: 'Reconciled', message: 'ok' },
  AccessControlled: { status: 'True', reason: 'Reconciled', message: 'ok' },
  SecretsSynced: { status: 'True', reason: 'NoSecrets', message: 'no secrets' },
  Isolated: { status: 'True', reason: 'NoWidening', message: 'nothing widens it' },
};
const t0 = new Date('2026-01-01T00:00:00.123Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('condition computation', () => {
  test('Ready is True when every aspect is', () => {
    assert.deepEqual(summarise(allTrue), {
      status: 'True',
      reason: 'Reconciled',
      message: 'the isolation envelope is in place',
    });
  });

  test("Ready carries the first blocking aspect's reason; False beats Unknown", () => {
    const ready = summarise({
      ...allTrue,
      NamespaceReady: { status: 'Unknown', reason: 'Progressing', message: 'creating' },
      NetworkIsolated: { status: 'False', reason: 'ApplyFailed', message: 'denied' },
    });
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'Progressing');
    assert.equal(ready.message, 'NamespaceReady: creating');
  });

  test('an intended False (audit mode) is reported but does not hold Ready back', () => {
    const ready = summarise({
      ...allTrue,
      SandboxEnforced: { status: 'False', reason: 'AuditOnly', message: 'violations are audited', intended: true },
    });
    assert.equal(ready.status, 'True');
  });

  test('a missing observation is Unknown, so Ready is Unknown', () => {
    const { SecretsSynced: _omitted, ...rest } = allTrue;
    const ready = summarise(rest);
    assert.equal(ready.status, 'Unknown');
    assert.match(ready.message, /^SecretsSynced:/);
  });

  test('lists Ready first, stamps observedGeneration, RFC 3339 times without milliseconds', () => {
    const conditions = computeConditions([], allTrue, 4, t0);
    assert.deepEqual(
      conditions.map((c) => c.type),
      ['Ready', 'NamespaceReady', 'SandboxEnforced', 'NetworkIsolated', 'AccessControlled', 'SecretsSynced', 'Isolated'],
    );
    assert.ok(conditions.every((c) => c.observedGeneration === 4 && c.lastTransitionTime === '2026-01-01T00:00:00Z'));
  });

  test('lastTransitionTime changes only when the status flips', () => {
    const first = computeConditions([], allTrue, 1, t0);
    const same = computeConditions(first, allTrue, 2, t1);
    assert.ok(same.every((c) => c.lastTransitionTime === '2026-01-01T00:00:00Z'));
    const flipped = computeConditions(first, { ...allTrue, SecretsSynced: { status: 'False', reason: 'UnsealFailed', message: 'x' } }, 2, t1);
    assert.equal(flipped.find((c) => c.type === 'SecretsSynced')?.lastTransitionTime, '2026-01-01T00:05:00Z');
    assert.equal(flipped.find((c) => c.type === 'Ready')?.lastTransitionTime, '2026-01-01T00:05:00Z');
    assert.equal(flipped.find((c) => c.type === 'NamespaceReady')?.lastTransitionTime, '2026-01-01T00:00:00Z');
  });

  test('transitions are the conditions whose status or reason changed', () => {
    const first = computeConditions([], allTrue, 1, t0);
    assert.equal(transitions(first, computeConditions(first, allTrue, 2, t1)).length, 0);
    const next = computeConditions(first, { ...allTrue, NetworkIsolated: { status: 'False', reason: 'ApplyFailed', message: 'x' } }, 2, t1);
    assert.deepEqual(
      transitions(first, next).map((c) => c.type),
      ['Ready', 'NetworkIsolated'],
    );
    assert.equal(transitions([], first).length, 7);
  });

  test('an Event only for Ready and for an aspect turning False: one for a new policy', () => {
    const first = computeConditions([], allTrue, 1, t0);
    assert.deepEqual(meaningfulTransitions([], first).map((c) => c.type), ['Ready']);
    const broken = computeConditions(first, { ...allTrue, NetworkIsolated: { status: 'False', reason: 'Drifted', message: 'x' } }, 2, t1);
    assert.deepEqual(meaningfulTransitions(first, broken).map((c) => c.type), ['Ready', 'NetworkIsolated']);
    assert.deepEqual(meaningfulTransitions(broken, computeConditions(broken, allTrue, 3, t1)).map((c) => c.type), ['Ready']);
  });
});
