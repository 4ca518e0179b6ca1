import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import { IncrementalAuditIndex } from '../../../src/audit/incremental-index.ts';
import { IsolationAudit, type NamespaceContents } from '../../../src/controller/isolation-audit.ts';
import { config, samplePolicy } from '../audit/fixtures.ts';

const policy = samplePolicy('typical.yaml');
const ns = 'agent-research-assistant';
const empty: NamespaceContents = { pods: [], secrets: [] };
const handmade: NamespaceContents = { pods: [], secrets: [{ metadata: { name: 'handmade', namespace: ns } }] };

function auditOver(read: (namespace: string) => Promise<NamespaceContents>, changed: string[] = [], intervalMs = 60_000): IsolationAudit {
  return new IsolationAudit({
    config,
    log: pino({ level: 'silent' }),
    index: new IncrementalAuditIndex({ namespace: () => undefined, admissionPolicy: () => undefined, admissionBinding: () => undefined }),
    readNamespace: read,
    readSecrets: async (namespace) => {
      const contents = await read(namespace);
      return contents === 'forbidden' ? contents : contents.secrets;
    },
    agentNamespaces: () => new Map([[ns, policy.metadata.name]]),
    changed: (name) => changed.push(name),
    counted: () => undefined,
    intervalMs,
    minPaceMs: 0,
    sleep: async () => undefined,
  });
}

test('a pass lists a namespace it has not seen, retrying while the audit RoleBinding is not in effect yet', async () => {
  const answers: NamespaceContents[] = ['forbidden', 'forbidden', handmade];
  let reads = 0;
  const audit = auditOver(async () => answers[reads++] ?? handmade);
  const { observed, recheckAfterMs } = await audit.observe(policy);
  assert.equal(reads, 3);
  assert.equal(recheckAfterMs, undefined);
  assert.equal(observed.status, 'False');
  assert.equal(observed.reason, 'ForeignSecret');
  await audit.observe(policy);
  assert.equal(reads, 3, 'a known namespace is not listed again by a pass');
});

test('a namespace that stays forbidden is Unknown and rechecked soon, never True', async () => {
  const audit = auditOver(async () => 'forbidden');
  const { observed, recheckAfterMs } = await audit.observe(policy);
  assert.equal(observed.status, 'Unknown');
  assert.equal(observed.reason, 'NotAudited');
  assert.ok(recheckAfterMs !== undefined && recheckAfterMs > 0);
});

test('passes at once share one listing; the sweep lists the secrets again and wakes the policy only when they changed', async () => {
  let reads = 0;
  let contents = empty;
  const changed: string[] = [];
  const audit = auditOver(
    async () => {
      reads++;
      await delay(5);
      return contents;
    },
    changed,
    20,
  );
  const [a, b] = await Promise.all([audit.observe(policy), audit.observe(policy)]);
  assert.equal(reads, 1);
  assert.equal(a.observed.status, 'True');
  assert.equal(b.observed.status, 'True');
  audit.start();
  try {
    await delay(80);
    assert.ok(reads > 1, 'the sweep listed again');
    assert.deepEqual(changed, [], 'nothing changed, nobody woken');
    contents = handmade;
    const deadline = Date.now() + 2_000;
    while (changed.length === 0 && Date.now() < deadline) await delay(10);
    assert.equal(changed[0], policy.metadata.name);
    assert.equal((await audit.observe(policy)).observed.reason, 'ForeignSecret');
  } finally {
    await audit.stop();
  }
});
