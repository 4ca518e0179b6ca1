/**
 * The hostile corpus (test/fixtures/hostile/, see test/support/hostile.ts) sent to the real API server, the way
 * kubectl sends it (fieldValidation=Strict), while the real operator runs as a separate process with its own token.
 * Each policy is refused by the layer its header names: by the API server with the field path in its message, or
 * stored and reported Ready=False, InvalidSpec, with the field named. None produces a single object, and none
 * crashes the operator: it is still running afterwards and still makes a valid policy Ready.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { dns1123Label, labelValue } from '../../src/api/v1alpha1/formats.ts';
import { namesPath, statusMessage, statusOf } from '../support/api.ts';
import { adminKubeConfig, uniqueName } from '../support/cluster.ts';
import { loadHostileCases, type HostileCase } from '../support/hostile.ts';
import { installBulkhead, operatorKubeConfig } from '../support/install.ts';
import { OperatorProcess } from '../support/operator-process.ts';
import { PolicyClient } from '../support/operator.ts';
import { createPolicy, deletePolicies } from '../support/strict-writes.ts';

const admin = adminKubeConfig();
const customObjects = admin.makeApiClient(k8s.CustomObjectsApi);
const objects = k8s.KubernetesObjectApi.makeApiClient(admin);
const core = admin.makeApiClient(k8s.CoreV1Api);
const reserved = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'bulkhead-system'];
const policies = new PolicyClient(admin);
const run = uniqueName('h').slice(2);

/** The name a case is sent under: its own when the name is what it attacks, else one unique to this run. */
function sentName(c: HostileCase): string {
  return c.path === 'metadata.name' ? c.policy.metadata.name : `${c.policy.metadata.name.slice(0, 40)}-${run}`.replace(/-+$/, '');
}

/** The namespace the policy would own, had it been accepted. */
function namespaceOf(c: HostileCase, name: string): string {
  const spec = c.policy.spec as { namespace?: { name?: unknown } } | unknown[];
  const explicit = Array.isArray(spec) ? undefined : spec.namespace?.name;
  return typeof explicit === 'string' ? explicit : `agent-${name}`;
}

type Submission = { readonly refused: true; readonly status: number | undefined; readonly message: string } | { readonly refused: false };

/** Every kind a policy's envelope could hold, listed across the cluster by the policy label. */
const envelopeKinds = [
  ['v1', 'Namespace'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['v1', 'ServiceAccount'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['v1', 'ResourceQuota'],
  ['v1', 'LimitRange'],
  ['flowcontrol.apiserver.k8s.io/v1', 'FlowSchema'],
  ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding'],
] as const;

async function objectsOf(policy: string): Promise<string[]> {
  const found: string[] = [];
  for (const [apiVersion, kind] of envelopeKinds) {
    const list = await objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, `bulkhead.dev/policy=${policy}`);
    found.push(...list.items.map((o) => `${kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`));
  }
  return found;
}

describe('hostile policies on the real API server, with the operator running', () => {
  const cases = loadHostileCases();
  const submissions = new Map<string, Submission>();
  const workDir = mkdtempSync(join(tmpdir(), 'bulkhead-hostile-'));
  const control = uniqueName('hostile-control');
  let operator: OperatorProcess;

  before(async () => {
    await installBulkhead(admin);
    const kubeconfigPath = join(workDir, 'operator.kubeconfig');
    writeFileSync(kubeconfigPath, (await operatorKubeConfig(admin)).exportConfig(), { mode: 0o600 });
    operator = new OperatorProcess('hostile-operator', kubeconfigPath, ['--leader-elect=false']);
    await operator.waitFor('caches synced');
    for (const c of cases) {
      const name = sentName(c);
      try {
        await createPolicy(customObjects, { ...c.policy, metadata: { ...c.policy.metadata, name } });
        submissions.set(c.name, { refused: false });
      } catch (error) {
        if (statusOf(error) === undefined) throw error;
        submissions.set(c.name, { refused: true, status: statusOf(error), message: statusMessage(error) });
      }
    }
    // Every stored one gets its status at once, in parallel: a case that never does fails on its own below.
    const stored = cases.filter((c) => submissions.get(c.name)?.refused === false).map(sentName);
    await Promise.all(stored.map((name) => policies.waitCondition(name, 'Ready', 'False', undefined, 30_000).catch(() => undefined)));
  });

  after(async () => {
    const stored = cases.filter((c) => submissions.get(c.name)?.refused === false).map(sentName);
    await deletePolicies(customObjects, [...stored, control]);
    for (const name of [...stored, control]) await policies.waitGone(name).catch(() => undefined);
    await operator.kill();
    rmSync(workDir, { recursive: true, force: true });
  });

  for (const c of cases) {
    test(`${c.name} (${c.rejectedBy.join(' or ')}): ${c.path}`, async () => {
      const name = sentName(c);
      const submission = submissions.get(c.name);
      assert.ok(submission !== undefined, 'submitted');
      if (submission.refused) {
        assert.ok(c.rejectedBy.includes('apiserver'), `the API server refused what only the operator should: ${submission.message}`);
        assert.ok(submission.status === 422 || submission.status === 400, `HTTP ${submission.status}: ${submission.message}`);
        assert.ok(namesPath(submission.message, c.path), `the refusal does not name ${c.path}: ${submission.message.slice(0, 800)}`);
      } else {
        assert.ok(c.rejectedBy.includes('operator'), `the API server stored it: ${c.why}`);
        const reported = await policies.get(name);
        const ready = reported?.status?.conditions?.find((x) => x.type === 'Ready');
        assert.equal(reported?.status?.observedGeneration, reported?.metadata.generation, 'the operator reported on it');
        assert.deepEqual([ready?.status, ready?.reason], ['False', 'InvalidSpec'], ready?.message);
        const message = ready?.message ?? '';
        assert.ok(namesPath(message, c.path), `InvalidSpec does not name ${c.path}: ${message}`);
      }
      // A name that is no label value cannot label anything (and cannot be listed by); one that is no DNS label
      // names no namespace. (KubernetesObjectApi lowercases paths, so namespaces are read through CoreV1Api.)
      if (labelValue.test(name) && name.length <= 63) assert.deepEqual(await objectsOf(name), [], 'no object of its envelope exists');
      const namespace = namespaceOf(c, name);
      if (dns1123Label.test(namespace) && namespace.length <= 63 && !reserved.includes(namespace)) {
        const live = await core.readNamespace({ name: namespace }).catch((error: unknown) => {
          if (statusOf(error) === 404) return undefined;
          throw error;
        });
        assert.equal(live, undefined, `namespace ${namespace} exists`);
      }
    });
  }

  test('the operator survived all of them: still running, no fatal line, and a valid policy still becomes Ready', async () => {
    assert.ok(operator.running, `the operator exited: ${operator.stderr}`);
    assert.deepEqual(operator.lines.filter((l) => l.line.level === 'fatal').map((l) => l.line.msg), []);
    assert.equal(operator.stderr, '', 'nothing on stderr (an uncaught error would land there)');
    await policies.create(control, {});
    await policies.waitReady(control, 30_000);
  });
});
