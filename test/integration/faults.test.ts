/**
 * Faults, on a control plane of this file's own (the shared one must not lose its API server under other tests):
 * `bulkhead controller` runs as a process, as its own ServiceAccount, reaching the API server through a TCP proxy
 * that can stall or cut its connections. Each fault strikes while policies are converging, and each ends with every
 * envelope exactly right, verified object by object against the pure desiredState (test/support/envelope-check.ts):
 * - the API server killed and restarted on the same etcd, mid-convergence of 50 new policies;
 * - etcd killed and restarted, mid-convergence of edits;
 * - the operator SIGKILLed mid-convergence and started again;
 * - every connection of the operator silently stalled (watches go quiet, no FIN, no RST): changes made meanwhile
 *   (spec edits, a deleted NetworkPolicy, a new policy) are all applied once the silence gives the watch away
 *   (about a minute: the API server's bookmark rhythm);
 * - every connection cut: the same, faster;
 * - the API server throttling the operator (429 with Retry-After from a one-seat priority level that rejects):
 *   it backs off and converges;
 * - another actor rewriting an owned field every second: repaired on the operator's budget, never more than once
 *   per hostile write (counts reported), and once the actor stops the object is right and stays unwritten.
 * Timings are printed; the file takes about four minutes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { defaultOperatorConfig } from '../../src/config.ts';
import { silentWatchMs } from '../../src/kube/list-watch.ts';
import { eventually, uniqueName } from '../support/cluster.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane/control-plane.ts';
import { envelopeProblems } from '../support/envelope-check.ts';
import { installBulkhead, operatorKubeConfig } from '../support/install.ts';
import { OperatorProcess } from '../support/operator-process.ts';
import { PolicyClient } from '../support/operator.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const count = 50;
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const spec = (pods: number): Record<string, unknown> => ({
  network: { egress: [{ cidr: '0.0.0.0/0', ports: [{ port: 443 }] }] },
  rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
  resources: { quota: { pods: String(pods) } },
});

interface Listed {
  metadata: { name: string; generation: number };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

const log = (line: string): void => void process.stdout.write(`[faults] ${line}\n`);

describe('faults', () => {
  const run = uniqueName('f').slice(2);
  const names = Array.from({ length: count }, (_, i) => `f${i}-${run}`);
  const workDir = mkdtempSync(join(tmpdir(), 'bulkhead-faults-'));
  const kubeconfigPath = join(workDir, 'operator.kubeconfig');
  let controlPlane: ControlPlane;
  let admin: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let policies: PolicyClient;
  let proxy: TcpProxy;
  let operator: OperatorProcess;
  const operators: OperatorProcess[] = [];

  let stopping = false;
  /**
   * Starts `bulkhead controller` with its default leader election (15 s / 10 s / 2 s), and, like the kubelet with
   * restartPolicy Always, starts it again whenever it exits (it exits 1 when it loses leadership: a renewal that
   * cannot reach the API server within the renew deadline).
   */
  const startOperator = (): OperatorProcess => {
    const replica = new OperatorProcess(`faults-${operators.length}`, kubeconfigPath);
    operator = replica;
    operators.push(replica);
    void replica.exited.then((code) => {
      if (stopping || replica !== operator || replica.child.signalCode === 'SIGKILL') return;
      log(`${replica.name} exited with ${code}; restarted as a kubelet would`);
      setTimeout(() => void (stopping || startOperator()), 1_000);
    });
    return replica;
  };

  /** Policies (of `among`) whose status reports Ready for their current generation. */
  const convergedOf = async (among: readonly string[]): Promise<number> => {
    const list = (await custom.listClusterCustomObject({ group: 'bulkhead.dev', version: 'v1alpha1', plural: 'agentpolicies' })) as { items: Listed[] };
    const wanted = new Set(among);
    return list.items.filter(
      (p) => wanted.has(p.metadata.name) && p.status?.observedGeneration === p.metadata.generation && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    ).length;
  };

  /** Waits until at least `atLeast` are converged but not all: the moment to strike. */
  const midway = async (among: readonly string[], atLeast: number): Promise<number> =>
    eventually(`${atLeast} of ${among.length} policies to converge`, async () => {
      const done = await convergedOf(among);
      return done >= atLeast ? done : undefined;
    }, 60_000, 50);

  /**
   * Waits for all to converge. A fault that fails many requests at once (403s while a restarted API server's
   * authorizer warms up) backs every key off exponentially under the global retry limit (client-go's defaults, as
   * design.md says), so recovery may take a minute or two: the time is reported.
   */
  const allConverged = async (among: readonly string[], what: string, timeoutMs = 180_000): Promise<number> => {
    const start = Date.now();
    let last = 0;
    try {
      await eventually(`${what}: all ${among.length} policies to converge`, async () => {
        last = await convergedOf(among);
        return last === among.length ? true : undefined;
      }, timeoutMs, 250);
    } catch (error) {
      throw new Error(`${(error as Error).message} (${last} converged); operator said: ${operator.messages().slice(-5).join(' | ')}`, { cause: error });
    }
    return Date.now() - start;
  };

  const verified = async (among: readonly string[]): Promise<void> => {
    assert.deepEqual(await envelopeProblems(admin, among), [], 'every envelope exactly as desiredState says');
  };

  const patchAll = async (among: readonly string[], pods: number): Promise<void> => {
    await Promise.all(among.map((name) => policies.patchSpec(name, { resources: { quota: { pods: String(pods) } } })));
  };

  /** rest_client_requests_total of the running operator, by code (all methods). */
  const requestsByCode = async (): Promise<Record<string, number>> => {
    const port = await operator.healthPort();
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const byCode: Record<string, number> = {};
    for (const match of text.matchAll(/^rest_client_requests_total\{([^}]*)\} (\d+)/gm)) {
      const code = /code="([^"]*)"/.exec(match[1] ?? '')?.[1] ?? '?';
      byCode[code] = (byCode[code] ?? 0) + Number(match[2]);
    }
    return byCode;
  };

  const writesSoFar = async (): Promise<number> => {
    const port = await operator.healthPort();
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return [...text.matchAll(/^rest_client_requests_total\{[^}]*method="(PATCH|PUT|POST|DELETE)"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[2]), 0);
  };

  before(async () => {
    // Few seats overall, so that a one-share priority level is one seat (the throttling case); the rest fits easily.
    controlPlane = await startControlPlane({ apiserverArgs: ['--max-requests-inflight=30', '--max-mutating-requests-inflight=10'] });
    admin = new k8s.KubeConfig();
    admin.loadFromFile(controlPlane.kubeconfigPath);
    custom = admin.makeApiClient(k8s.CustomObjectsApi);
    policies = new PolicyClient(admin);
    await installBulkhead(admin);
    const server = new URL(controlPlane.server);
    proxy = await startTcpProxy(server.hostname, Number(server.port));
    const operatorConfig = await operatorKubeConfig(admin);
    const cluster = operatorConfig.getCurrentCluster();
    assert.ok(cluster !== null);
    const throughProxy = new k8s.KubeConfig();
    throughProxy.loadFromOptions({
      clusters: [{ ...cluster, server: `https://127.0.0.1:${proxy.port}` }],
      users: operatorConfig.users,
      contexts: operatorConfig.contexts,
      currentContext: operatorConfig.currentContext,
    });
    writeFileSync(kubeconfigPath, throughProxy.exportConfig(), { mode: 0o600 });
    startOperator();
    await operator.waitFor('caches synced', 30_000);
  });

  after(async () => {
    stopping = true;
    for (const replica of operators) await replica.kill();
    await proxy?.close();
    await controlPlane?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  test(`the API server killed and restarted mid-convergence of ${count} new policies`, async () => {
    const started = Date.now();
    for (const name of names) await policies.create(name, spec(5));
    const done = await midway(names, 10);
    assert.ok(done < count, `the fault must strike mid-convergence (${done} of ${count} were done)`);
    await controlPlane.restart('kube-apiserver', { downMs: 2_000 });
    const tail = await allConverged(names, 'after the API server restart');
    log(`API server restart at ${done}/${count} converged; all converged ${tail} ms after it was back, ${Date.now() - started} ms in all`);
    await verified(names);
  });

  test('etcd killed and restarted mid-convergence of edits', async () => {
    await patchAll(names, 6);
    const done = await midway(names, 5);
    assert.ok(done < count, `mid-convergence (${done} of ${count})`);
    await controlPlane.restart('etcd', { downMs: 2_000 });
    const tail = await allConverged(names, 'after the etcd restart');
    log(`etcd restart at ${done}/${count} converged; all converged ${tail} ms after it was back`);
    await verified(names);
  });

  test('the operator SIGKILLed mid-convergence and started again', async () => {
    await patchAll(names, 7);
    const done = await midway(names, 5);
    assert.ok(done < count, `mid-convergence (${done} of ${count})`);
    await operator.kill('SIGKILL');
    startOperator();
    const tail = await allConverged(names, 'after the operator restart');
    log(`operator SIGKILL at ${done}/${count} converged; all converged ${tail} ms after the new process started`);
    await verified(names);
  });

  /** Changes of every kind an informer must deliver: spec edits, a deleted owned object, a new policy. */
  const changesWhileBlind = async (tag: string, first: number): Promise<string[]> => {
    const edited = names.slice(first, first + 3);
    for (const name of edited) await policies.patchSpec(name, { resources: { quota: { pods: '11' } } });
    const networking = admin.makeApiClient(k8s.NetworkingV1Api);
    const deleted = names[first + 3] as string;
    await networking.deleteNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace: `agent-${deleted}` });
    const created = `${tag}-${run}`;
    await policies.create(created, spec(5));
    return [...edited, deleted, created];
  };

  // A silent watch is only known dead by its silence: the API server sends a bookmark about once a minute, and the
  // informers drop a watch silent for longer than silentWatchMs. So: that limit, plus a relist and a pass.
  const stallBudgetMs = silentWatchMs + 25_000;

  test('every operator connection stalls silently: all changes made meanwhile are applied within about a minute', async () => {
    await allConverged(names, 'before the stall');
    const stalled = proxy.stall();
    const start = Date.now();
    const touched = await changesWhileBlind('stalled', 0);
    names.push(touched.at(-1) as string);
    let elapsed = 0;
    try {
      await allConverged(touched, 'after the stall', stallBudgetMs);
      elapsed = Date.now() - start;
    } finally {
      log(`${stalled} connections stalled; ${elapsed === 0 ? `not recovered within ${stallBudgetMs} ms` : `recovered in ${elapsed} ms`}`);
    }
    await verified(names);
  });

  test('every operator connection cut (stalled ones too): all changes made meanwhile are applied', async () => {
    const cut = proxy.cut();
    const start = Date.now();
    const touched = await changesWhileBlind('cut', 4);
    names.push(touched.at(-1) as string);
    await allConverged(names, 'after the cut', 60_000);
    log(`${cut} connections cut; all ${names.length} converged ${Date.now() - start} ms later`);
    await verified(names);
  });

  test('the API server throttles the operator (429, Retry-After): it backs off and converges', async () => {
    const flow = admin.makeApiClient(k8s.FlowcontrolApiserverV1Api);
    const level = `throttle-${run}`;
    await flow.createPriorityLevelConfiguration({
      body: {
        metadata: { name: level },
        spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Reject' } } },
      },
    });
    await flow.createFlowSchema({
      body: {
        metadata: { name: level },
        spec: {
          priorityLevelConfiguration: { name: level },
          matchingPrecedence: 500,
          rules: [
            {
              subjects: [{ kind: 'ServiceAccount', serviceAccount: { namespace: defaultOperatorConfig.operatorNamespace, name: defaultOperatorConfig.operatorServiceAccount } }],
              resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
            },
          ],
        },
      },
    });
    try {
      const before429 = (await requestsByCode())['429'] ?? 0;
      const start = Date.now();
      await patchAll(names, 8);
      await allConverged(names, 'under throttling', 150_000);
      const throttled = ((await requestsByCode())['429'] ?? 0) - before429;
      log(`throttled: ${throttled} requests answered 429; all converged in ${Date.now() - start} ms`);
      assert.ok(throttled > 0, 'the API server did throttle the operator');
    } finally {
      await flow.deleteFlowSchema({ name: level });
      await flow.deletePriorityLevelConfiguration({ name: level });
    }
    await verified(names);
  });

  test('another actor rewrites an owned field every second: repaired on a budget, never more than once per write, quiet afterwards', async () => {
    const networking = admin.makeApiClient(k8s.NetworkingV1Api);
    const target = { name: 'bulkhead-default-deny', namespace: `agent-${names[10]}` };
    // Every write to the object, whoever made it: a watch on it alone (a NetworkPolicy has no status writer). A
    // write that empties the egress again is the operator's repair; one that opens it is the actor's.
    let modifications = 0;
    let restores = 0;
    const watch = await new k8s.Watch(admin).watch(
      `/apis/networking.k8s.io/v1/namespaces/${target.namespace}/networkpolicies`,
      { fieldSelector: `metadata.name=${target.name}` },
      (type, object: k8s.V1NetworkPolicy) => {
        if (type !== 'MODIFIED') return;
        modifications += 1;
        if ((object.spec?.egress ?? []).length === 0) restores += 1;
      },
      () => undefined,
    );
    const rounds = 20;
    const writesBefore = await writesSoFar();
    let restoredSeen = 0;
    try {
      for (let round = 0; round < rounds; round += 1) {
        // Open all egress on the deny-all policy, as another field manager would.
        await networking.patchNamespacedNetworkPolicy({ ...target, body: { spec: { egress: [{}] } }, fieldManager: 'fighter' }, mergePatch);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        if (((await networking.readNamespacedNetworkPolicy(target)).spec?.egress ?? []).length === 0) restoredSeen += 1;
      }
      const operatorWrites = (await writesSoFar()) - writesBefore;
      const repairs = restores;
      // A contested object is repaired on a budget that backs off up to a minute between repairs (design): the last
      // repair may take that long once the actor stops.
      const stoppedAt = Date.now();
      await eventually('the NetworkPolicy to be restored', async () => (((await networking.readNamespacedNetworkPolicy(target)).spec?.egress ?? []).length === 0 ? true : undefined), 75_000);
      const lastRepairMs = Date.now() - stoppedAt;
      const settled = modifications;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const atRest = modifications - settled;
      log(
        `fight: ${rounds} hostile writes in ${rounds} s, restored within a second ${restoredSeen} times; ${repairs} repairing writes to the object ` +
          `(${Math.round((repairs * 60) / rounds)} a minute); all operator writes meanwhile ${operatorWrites} (status, Events and lease renewals included); ` +
          `restored ${lastRepairMs} ms after the actor stopped; ${atRest} writes to it in 5 s at rest`,
      );
      assert.ok(repairs >= 3, `it fights back: ${repairs} repairs`);
      assert.ok(repairs <= rounds, `never more than one repair per hostile write, no hot loop: ${repairs} for ${rounds}`);
      assert.ok(operatorWrites <= 5 * rounds, `bounded: ${operatorWrites} writes of any kind for ${rounds} hostile writes`);
      assert.equal(atRest, 0, 'no write to it at rest');
    } finally {
      watch.abort();
    }
    await verified([names[10] as string]);
  });
});
