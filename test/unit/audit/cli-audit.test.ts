import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { indexAuditObjects } from '../../../src/audit/index.ts';
import { parseQuery } from '../../../src/audit/network-query.ts';
import { auditPolicy } from '../../../src/audit/report.ts';
import { auditJson, auditTable } from '../../../src/cli/audit-output.ts';
import { runCli } from '../../../src/main.ts';
import { clusterWith, config, networkPolicy, samplePolicy } from './fixtures.ts';

async function run(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const status = await runCli(args, { stdout: out, stderr: err, stdin: new PassThrough() });
  return { status, stdout, stderr };
}

test('bulkhead audit --help teaches; bad flags and queries are usage errors before any cluster is read', async () => {
  const help = await run('audit', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: bulkhead audit \[POLICY\.\.\.\]/);
  assert.match(help.stdout, /Exit status: 0 every envelope is as strong as its policy, 1 an envelope is weaker/);
  assert.match((await run('--help')).stdout, /audit\s+prove each agent's isolation/);
  const output = await run('audit', '-o', 'yaml');
  assert.equal(output.status, 2);
  assert.equal(output.stderr, 'bulkhead audit: -o must be table or json, not "yaml"\n');
  const query = await run('audit', '--query', '10.0.0.1:http/ICMP');
  assert.equal(query.status, 2);
  assert.match(query.stderr, /protocol must be TCP, UDP or SCTP/);
});

test('the table marks widenings with "!" and names them; JSON carries the same findings', () => {
  const policy = samplePolicy('typical.yaml');
  const ns = 'agent-research-assistant';
  const objects = clusterWith(policy, {
    networkPolicies: [networkPolicy(ns, 'debug-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })],
  });
  const audit = auditPolicy(policy, { config, index: indexAuditObjects(objects), query: parseQuery('169.254.169.254:80/TCP') });
  const runResult = { audits: [audit], invalid: [{ policy: 'broken', problems: ['spec.rbac.rules[0].verbs: must not contain "*"'] }], accessReviews: 0, seconds: 0.5 };
  const table = auditTable(runResult);
  assert.match(table, /^AgentPolicy research-assistant \(namespace agent-research-assistant\): WEAKENED: 1 widening$/m);
  assert.match(table, /^! {12}any port to anywhere {2}\[NetworkPolicy agent-research-assistant\/debug-egress rule 1\]$/m);
  assert.match(table, /^ {4}egress {3}UDP\/TCP 53 to kube-system\/k8s-app=kube-dns/m);
  assert.match(table, /^! {3}query {4}may research-assistant reach 169\.254\.169\.254:80\/TCP\? yes: a rule the policy does not allow/m);
  assert.match(table, /^AgentPolicy broken: cannot audit, the spec is invalid$/m);
  assert.match(table, /^2 policies audited: 1 weakened, 1 invalid \(0 SubjectAccessReviews, 0\.50 s\)$/m);
  const json = JSON.parse(auditJson(runResult)) as { policies: { weakened: boolean; findings: { verdict: string; object?: { name: string } }[] }[] };
  assert.equal(json.policies[0]?.weakened, true);
  assert.deepEqual(json.policies[0]?.findings.filter((f) => f.verdict === 'widening').map((f) => f.object?.name), ['debug-egress']);
});
