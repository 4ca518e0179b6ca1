/**
 * `npm run demo` as a newcomer runs it: it starts its own control plane, installs the chart with Helm, runs the
 * operator, and its output shows every sample policy Ready and every isolation proof passing; afterwards nothing it
 * started is left (its work directory, where the control plane lived, is gone).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../support/commands.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('npm run demo installs Bulkhead, makes every sample policy Ready, proves the isolation and stops everything', async () => {
  const demo = await run('npm', ['run', 'demo'], { cwd: root, timeoutMs: 300_000 });
  const output = demo.stdout + demo.stderr;
  assert.equal(demo.code, 0, output);
  assert.match(output, /helm install bulkhead charts\/bulkhead --namespace bulkhead-system --create-namespace/);
  assert.match(output, /running here as system:serviceaccount:bulkhead-system:bulkhead/);
  for (const [policy, namespace] of [['minimal', 'agent-minimal'], ['research-assistant', 'agent-research-assistant'], ['audit-rollout', 'agent-audit-rollout']]) {
    assert.match(output, new RegExp(`${policy} +namespace ${namespace} +Ready=True`), `${policy} Ready`);
  }
  assert.match(output, /objects: Namespace agent-research-assistant; NetworkPolicy bulkhead-default-deny, bulkhead-dns, bulkhead-egress;/);
  const proofs = [...output.matchAll(/^ {3}(ok {2}|FAIL) (.+)$/gm)].map((m) => `${m[1]?.trim()} ${m[2]}`);
  assert.deepEqual(proofs, [
    'ok a pod without the sandbox RuntimeClass is rejected',
    'ok a privileged pod is rejected',
    'ok a pod on RuntimeClass gvisor that follows the rules is admitted',
    "ok the agent cannot read another namespace's secrets",
    "ok the agent's API requests are throttled",
  ]);
  assert.match(output, /agent pods must run on RuntimeClass "gvisor"/);
  assert.match(output, /violates PodSecurity "restricted:latest": privileged/);
  assert.match(output, /HTTP 403: secrets "payments-api-key" is forbidden/);
  assert.match(output, /names priority level bulkhead-agents/);
  assert.match(output, /nothing is left running\.\n$/);
  const workDir = /\(work dir (\S+)\)/.exec(output)?.[1];
  assert.ok(workDir !== undefined && !existsSync(workDir), `the control plane's work directory ${workDir} is removed`);
});
