/**
 * Two replicas of `bulkhead controller`, as separate processes with the operator's own ServiceAccount token, share one
 * Lease: exactly one leads and reconciles; when the leader dies (SIGKILL, no chance to release) the other takes over
 * once the lease expires; a SIGTERM stops gracefully, exits 0 and releases the lease. Also the health, readiness and
 * metrics endpoints of a running replica. Short timings (4 s / 3 s / 1 s) keep the file fast.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { defaultOperatorConfig } from '../../src/config.ts';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';
import { installBulkhead, operatorKubeConfig } from '../support/install.ts';
import { PolicyClient } from '../support/operator.ts';
import { OperatorProcess } from '../support/operator-process.ts';

const admin = adminKubeConfig();
const coordination = admin.makeApiClient(k8s.CoordinationV1Api);
const policies = new PolicyClient(admin);
const leaseNamespace = defaultOperatorConfig.operatorNamespace;
const leaseDurationMs = 4_000;

/** A replica with short lease timings (4 s / 3 s / 1 s) on the test's own Lease. */
const replica = (name: string, kubeconfigPath: string, leaseName: string): OperatorProcess =>
  new OperatorProcess(name, kubeconfigPath, [
    '--lease-name', leaseName,
    '--lease-duration', `${leaseDurationMs / 1000}s`,
    '--renew-deadline', '3s',
    '--retry-period', '1s',
  ]);

async function readLease(name: string): Promise<k8s.V1Lease | undefined> {
  try {
    return await coordination.readNamespacedLease({ name, namespace: leaseNamespace });
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 404) return undefined;
    throw error;
  }
}

const get = async (port: number, path: string): Promise<{ status: number; body: string }> => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
};

describe('leader election between two controller processes', () => {
  const leaseName = uniqueName('bulkhead-le');
  const [firstPolicy, secondPolicy] = [uniqueName('le-a'), uniqueName('le-b')];
  const workDir = mkdtempSync(join(tmpdir(), 'bulkhead-le-'));
  const replicas: OperatorProcess[] = [];
  let leader: OperatorProcess;
  let follower: OperatorProcess;

  before(async () => {
    await installBulkhead(admin);
    const kubeconfigPath = join(workDir, 'operator.kubeconfig');
    writeFileSync(kubeconfigPath, (await operatorKubeConfig(admin)).exportConfig(), { mode: 0o600 });
    replicas.push(replica('replica-a', kubeconfigPath, leaseName), replica('replica-b', kubeconfigPath, leaseName));
  });

  after(async () => {
    await Promise.all(replicas.map((r) => r.kill()));
    // Without a running operator nothing removes the finalizer: an admin does, so the policies go.
    for (const name of [firstPolicy, secondPolicy]) {
      if ((await policies.get(name)) === undefined) continue;
      await policies.delete(name).catch(() => undefined);
      await k8s.KubernetesObjectApi.makeApiClient(admin)
        .patch(
          { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name, finalizers: null } } as unknown as k8s.KubernetesObject,
          undefined,
          undefined,
          undefined,
          undefined,
          k8s.PatchStrategy.MergePatch,
        )
        .catch(() => undefined);
      await policies.waitGone(name);
    }
    await coordination.deleteNamespacedLease({ name: leaseName, namespace: leaseNamespace }).catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  });

  test('exactly one replica leads: the Lease names it and only it says "became leader"', async () => {
    const lease = await eventually('the Lease to have a holder', async () => {
      const read = await readLease(leaseName);
      return read?.spec?.holderIdentity !== undefined && read.spec.holderIdentity !== '' ? read : undefined;
    }, 20_000);
    const holder = lease.spec?.holderIdentity ?? '';
    const leaders = replicas.filter((r) => holder.startsWith(`${r.name}_`));
    assert.equal(leaders.length, 1, `the holder ${holder} is one of the replicas`);
    leader = leaders[0] as OperatorProcess;
    follower = replicas.find((r) => r !== leader) as OperatorProcess;
    assert.equal((await leader.waitFor('became leader')).line.identity, holder);
    await follower.waitFor('waiting for leadership');
    assert.equal(lease.spec?.leaseDurationSeconds, leaseDurationMs / 1000);
    // The follower keeps standing by while the leader renews.
    await leader.waitFor('caches synced');
    assert.equal(follower.find('became leader'), undefined, 'the follower does not lead');
  });

  test('a policy created now becomes Ready', async () => {
    await policies.create(firstPolicy, {});
    await policies.waitReady(firstPolicy, 30_000);
    assert.equal(follower.find('became leader'), undefined, 'still only one leader');
  });

  test('the leader serves /healthz, /readyz and /metrics; the follower is ready while standing by', async () => {
    const port = await leader.healthPort();
    assert.deepEqual(await get(port, '/healthz'), { status: 200, body: 'ok\n' });
    assert.equal((await get(port, '/readyz')).status, 200);
    assert.equal((await get(port, '/nope')).status, 404);
    // The status write that makes the policy Ready lands before the reconcile that wrote it is counted: wait for both.
    const succeeded = /^controller_runtime_reconcile_total\{controller="agentpolicy",result="success"\} [1-9]/m;
    const metrics = await eventually('bulkhead_policies to count the Ready policy, and its reconcile to be counted', async () => {
      const { status, body } = await get(port, '/metrics');
      assert.equal(status, 200);
      const ready = body.match(/^bulkhead_policies\{ready="True"\} (\d+)/m);
      return ready !== null && Number(ready[1]) >= 1 && succeeded.test(body) ? body : undefined;
    }, 10_000);
    assert.match(metrics, /^workqueue_depth\{name="agentpolicy"\} \d+/m);
    assert.match(metrics, /^# TYPE bulkhead_policies gauge$/m);

    const standby = await follower.healthPort();
    assert.equal((await get(standby, '/healthz')).status, 200);
    assert.equal((await get(standby, '/readyz')).status, 200);
  });

  test('SIGKILL of the leader: the other replica takes over once the lease expires, and reconciles', async () => {
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited;
    const tookOver = await follower.waitFor('became leader', 15_000);
    const takeoverMs = tookOver.at - killedAt;
    // At most the lease duration after the last renewal, plus one retry period with jitter, plus scheduling slack.
    assert.ok(takeoverMs <= leaseDurationMs + 1_200 + 2_000, `took over after ${takeoverMs} ms`);
    const lease = await readLease(leaseName);
    assert.equal(lease?.spec?.holderIdentity, tookOver.line.identity);
    assert.ok((lease?.spec?.leaseTransitions ?? 0) >= 1, 'the transition is counted');

    await policies.create(secondPolicy, {});
    await policies.waitReady(secondPolicy, 30_000);
  });

  test('SIGTERM of the survivor: it exits 0 and releases the lease', async () => {
    // The policies go first, while an operator still runs to remove their finalizers.
    for (const name of [firstPolicy, secondPolicy]) await policies.delete(name);
    for (const name of [firstPolicy, secondPolicy]) await policies.waitGone(name);
    follower.child.kill('SIGTERM');
    assert.equal(await follower.exited, 0, `exit status; stderr: ${follower.stderr}`);
    assert.ok(follower.messages().includes('stopped'));
    const lease = await readLease(leaseName);
    assert.equal(lease?.spec?.holderIdentity ?? '', '', 'no holder after release');
    assert.equal(lease?.spec?.leaseDurationSeconds, 1, 'a released lease expires at once');
  });

  test('a leader whose lease was taken stops within the renew deadline and exits 1', async () => {
    const third = replica('replica-c', join(workDir, 'operator.kubeconfig'), leaseName);
    replicas.push(third);
    // The lease was released: a new candidate acquires it at once.
    const became = await third.waitFor('became leader', 10_000);
    assert.ok(became.at - (third.lines[0]?.at ?? 0) < leaseDurationMs, 'no need to wait out a released lease');
    await third.waitFor('caches synced');
    // Someone else now holds the lease, freshly renewed: the leader cannot renew and must step down.
    const lease = await readLease(leaseName);
    assert.ok(lease?.spec !== undefined);
    const stolenAt = Date.now();
    await coordination.replaceNamespacedLease({
      name: leaseName,
      namespace: leaseNamespace,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', renewTime: new k8s.V1MicroTime(stolenAt) } },
    });
    assert.equal(await third.exited, 1, `exit status; stderr: ${third.stderr}`);
    const lost = third.find('lost leadership; stopping');
    assert.ok(lost !== undefined, `logged the loss: ${third.messages().join(' | ')}`);
    assert.ok(lost.at - stolenAt <= 3_000 + 1_000 + 1_000, `stepped down after ${lost.at - stolenAt} ms`);
    assert.equal((await readLease(leaseName))?.spec?.holderIdentity, 'intruder', 'the lease is not released to anyone');
  });
});
