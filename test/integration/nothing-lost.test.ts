/**
 * Nothing lost, with the real operator as its own ServiceAccount: objects Bulkhead does not own (look-alikes with the
 * envelope's names and no ownership, one with Bulkhead's labels but another owner, a FlowSchema named like a policy's)
 * are exactly as they were through the create, update and delete of policies that would collide with them;
 * Retain keeps an adopted namespace and everything in it; and every log line of the whole run (pino into a
 * stream, debug level) is free of the seeded secrets: the operator's own token, the cluster CA and admin key, the
 * data of Secrets in agent namespaces, SealedSecret ciphertext.
 *
 * Twice: as installed (the operator guard refuses the operator any write to a look-alike), and with the guard's
 * binding off, to prove the reconciler itself never takes over what it does not own.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { createLogger } from '../../src/observability/logger.ts';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';
import { installBulkhead, operatorKubeConfig } from '../support/install.ts';
import { PolicyClient, startTestOperator, type TestOperator } from '../support/operator.ts';

const admin = adminKubeConfig();
const core = admin.makeApiClient(k8s.CoreV1Api);
const networking = admin.makeApiClient(k8s.NetworkingV1Api);
const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
const flow = admin.makeApiClient(k8s.FlowcontrolApiserverV1Api);
const policies = new PolicyClient(admin);

/** Every line the operator logged, as written. */
function logCapture(): { stream: Writable; text: () => string; lines: () => number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join(''), lines: () => chunks.join('').split('\n').filter(Boolean).length };
}

/** A look-alike: where it is, how to read it, and its resourceVersion and content before the run. */
interface Seed {
  readonly what: string;
  readonly read: () => Promise<{ metadata?: k8s.V1ObjectMeta }>;
  before?: { resourceVersion: string | undefined; content: string };
}

/** Content without what the API server changes on its own (managedFields keep their timestamps if untouched). */
const contentOf = (object: { metadata?: k8s.V1ObjectMeta }): string => JSON.stringify(object);

async function waitStatusWritten(name: string): Promise<void> {
  await eventually(`AgentPolicy ${name} to have a status for its generation`, async () => {
    const policy = await policies.get(name);
    return policy !== undefined && policy.status?.observedGeneration === policy.metadata.generation ? true : undefined;
  }, 60_000);
}

/** Bindings take effect asynchronously: probe with the operator's token until the guard is as wanted. */
async function guardInEffect(operator: k8s.KubeConfig, on: boolean): Promise<void> {
  const probe = (): Promise<unknown> =>
    operator.makeApiClient(k8s.NetworkingV1Api).createNamespacedNetworkPolicy({
      namespace: 'default',
      dryRun: 'All',
      body: { metadata: { name: 'guard-probe' }, spec: { podSelector: {} } },
    });
  await eventually(`the operator guard to be ${on ? 'on' : 'off'}`, () =>
    probe().then(
      () => (on ? undefined : true),
      (error: unknown) => (on && error instanceof k8s.ApiException && error.code === 403 ? true : undefined),
    ),
  );
}

function scenario(title: string, guard: boolean): void {
  describe(title, () => {
    const run = uniqueName('lost');
    const [adopting, colliding, plain] = [`${run}-a`, `${run}-b`, `${run}-c`];
    const adoptNs = `${run}-adopted`;
    const otherNs = `${run}-other`;
    const seededSecret = `seeded-secret-${run}`;
    const seededCiphertext = Buffer.from(`seeded-ciphertext-${run}`).toString('base64');
    const logs = logCapture();
    const seeds: Seed[] = [];
    let operatorToken = '';
    let operator: TestOperator;

    before(async () => {
      await installBulkhead(admin, { operatorGuard: guard });
      const kubeConfig = await operatorKubeConfig(admin);
      operatorToken = kubeConfig.getCurrentUser()?.token ?? assert.fail('no operator token');
      await guardInEffect(kubeConfig, guard);
      operator = await startTestOperator(admin, { operatorGuard: guard, kubeConfig, log: createLogger({ level: 'debug', destination: logs.stream }) });

      // Outside any agent namespace: every envelope name, unowned.
      await core.createNamespace({ body: { metadata: { name: otherNs } } });
      for (const name of ['bulkhead-default-deny', 'bulkhead-dns', 'bulkhead-egress']) {
        await networking.createNamespacedNetworkPolicy({ namespace: otherNs, body: { metadata: { name }, spec: { podSelector: {}, policyTypes: ['Ingress'] } } });
      }
      await core.createNamespacedServiceAccount({ namespace: otherNs, body: { metadata: { name: 'agent' } } });
      await rbac.createNamespacedRoleBinding({
        namespace: otherNs,
        body: {
          metadata: { name: 'bulkhead-agent' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: otherNs }],
        },
      });
      await core.createNamespacedResourceQuota({ namespace: otherNs, body: { metadata: { name: 'bulkhead' }, spec: { hard: { pods: '3' } } } });
      // A namespace an admin hands over (adopt annotation, Retain), with the team's data and look-alikes in it.
      await core.createNamespace({ body: { metadata: { name: adoptNs, annotations: { 'bulkhead.dev/adopt': adopting } } } });
      const data = await core.createNamespacedConfigMap({ namespace: adoptNs, body: { metadata: { name: 'team-data' }, data: { notes: 'keep me' } } });
      await core.createNamespacedSecret({ namespace: adoptNs, body: { metadata: { name: 'team-secret' }, stringData: { password: seededSecret } } });
      await core.createNamespacedServiceAccount({
        namespace: adoptNs,
        body: { metadata: { name: 'agent', labels: { 'app.kubernetes.io/managed-by': 'platform' } }, automountServiceAccountToken: true },
      });
      // Bulkhead's labels, another owner: the label is the index, the ownerReference the truth; never pruned.
      await networking.createNamespacedNetworkPolicy({
        namespace: adoptNs,
        body: {
          metadata: {
            name: 'team-allow-gateway',
            labels: { 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.dev/policy': adopting },
            ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'team-data', uid: data.metadata?.uid ?? '' }],
          },
          spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 8080 }] }] },
        },
      });
      // A cluster-scoped look-alike: the FlowSchema the colliding policy would want.
      await flow.createFlowSchema({
        body: {
          metadata: { name: `bulkhead-${colliding}` },
          spec: {
            priorityLevelConfiguration: { name: 'workload-low' },
            matchingPrecedence: 5000,
            rules: [{ subjects: [{ kind: 'Group', group: { name: 'team' } }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }],
          },
        },
      });

      seeds.push(
        ...['bulkhead-default-deny', 'bulkhead-dns', 'bulkhead-egress'].map((name) => ({
          what: `NetworkPolicy ${otherNs}/${name}`,
          read: () => networking.readNamespacedNetworkPolicy({ name, namespace: otherNs }),
        })),
        { what: `ServiceAccount ${otherNs}/agent`, read: () => core.readNamespacedServiceAccount({ name: 'agent', namespace: otherNs }) },
        { what: `RoleBinding ${otherNs}/bulkhead-agent`, read: () => rbac.readNamespacedRoleBinding({ name: 'bulkhead-agent', namespace: otherNs }) },
        { what: `ResourceQuota ${otherNs}/bulkhead`, read: () => core.readNamespacedResourceQuota({ name: 'bulkhead', namespace: otherNs }) },
        { what: `ServiceAccount ${adoptNs}/agent (another manager's)`, read: () => core.readNamespacedServiceAccount({ name: 'agent', namespace: adoptNs }) },
        { what: `NetworkPolicy ${adoptNs}/team-allow-gateway (Bulkhead's labels, another owner)`, read: () => networking.readNamespacedNetworkPolicy({ name: 'team-allow-gateway', namespace: adoptNs }) },
        { what: `ConfigMap ${adoptNs}/team-data`, read: () => core.readNamespacedConfigMap({ name: 'team-data', namespace: adoptNs }) },
        { what: `Secret ${adoptNs}/team-secret`, read: () => core.readNamespacedSecret({ name: 'team-secret', namespace: adoptNs }) },
        { what: `FlowSchema bulkhead-${colliding}`, read: () => flow.readFlowSchema({ name: `bulkhead-${colliding}` }) },
      );
      for (const seed of seeds) {
        const object = await seed.read();
        seed.before = { resourceVersion: object.metadata?.resourceVersion, content: contentOf(object) };
      }
    });

    after(async () => {
      for (const name of [adopting, colliding, plain]) await policies.delete(name).catch(() => undefined);
      for (const name of [adopting, colliding, plain]) await policies.waitGone(name).catch(() => undefined);
      await operator.stop();
      for (const name of [adoptNs, otherNs]) await core.deleteNamespace({ name }).catch(() => undefined);
      await flow.deleteFlowSchema({ name: `bulkhead-${colliding}` }).catch(() => undefined);
      if (!guard) await installBulkhead(admin); // the guard back on for the files after this one
    });

    const untouched = async (): Promise<void> => {
      const changed: string[] = [];
      for (const seed of seeds) {
        const now = await seed.read().catch((error: unknown) => {
          if (error instanceof k8s.ApiException && error.code === 404) return undefined;
          throw error;
        });
        if (now === undefined) changed.push(`${seed.what}: deleted`);
        else if (now.metadata?.resourceVersion !== seed.before?.resourceVersion) changed.push(`${seed.what}: ${contentOf(now)}`);
      }
      assert.deepEqual(changed, [], 'objects Bulkhead does not own were modified');
    };

    test('create: policies that collide with them leave every look-alike untouched', async () => {
      await policies.create(adopting, {
        namespace: { name: adoptNs, deletionPolicy: 'Retain' },
        secrets: [{ name: 'sealed-key', encryptedData: { API_KEY: seededCiphertext } }],
        rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
      });
      await policies.create(colliding, {});
      await policies.create(plain, { secrets: [{ name: 'sealed-key', encryptedData: { API_KEY: seededCiphertext } }] });
      for (const name of [adopting, colliding, plain]) await waitStatusWritten(name);
      await untouched();
    });

    test('a collision is reported on the policy, not resolved by taking the object over', async () => {
      for (const name of [adopting, colliding]) {
        const policy = await policies.get(name);
        const ready = policy?.status?.conditions?.find((c) => c.type === 'Ready');
        assert.equal(ready?.status, 'False', `${name}: ${ready?.message}`);
      }
    });

    test('update: edits of the policies leave them untouched', async () => {
      await policies.patchSpec(adopting, { network: { egress: [{ cidr: '0.0.0.0/0', ports: [{ port: 443 }] }] } });
      await policies.patchSpec(colliding, { rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } });
      await policies.patchSpec(plain, { secrets: [] });
      for (const name of [adopting, colliding, plain]) await waitStatusWritten(name);
      await untouched();
    });

    test('delete: they outlive the policies, and Retain keeps the adopted namespace with its data', async () => {
      for (const name of [adopting, colliding, plain]) await policies.delete(name);
      for (const name of [adopting, colliding, plain]) await policies.waitGone(name);
      // Garbage collection has had its chance once the plain policy's namespace is gone.
      await eventually(`namespace agent-${plain} to be deleted`, async () =>
        (await core.readNamespace({ name: `agent-${plain}` }).then(() => false, () => true)) ? true : undefined,
      );
      await untouched();
      const kept = await core.readNamespace({ name: adoptNs });
      assert.equal(kept.status?.phase, 'Active');
      assert.equal((await core.readNamespacedSecret({ name: 'team-secret', namespace: adoptNs })).data?.['password'], Buffer.from(seededSecret).toString('base64'));
    });

    test('no secret material in any log line of the run', async () => {
      const text = logs.text();
      assert.ok(logs.lines() >= 20, `the run was logged (${logs.lines()} lines)`);
      assert.match(text, /caches synced/);
      const user = admin.getCurrentUser();
      const cluster = admin.getCurrentCluster();
      const seeded: Record<string, string> = {
        'the operator token': operatorToken,
        'the operator token signature': operatorToken.split('.')[2] ?? operatorToken,
        'the cluster CA': (cluster?.caData ?? '').slice(20, 80),
        'the admin client key': (user?.keyData ?? '').slice(20, 80),
        'the data of a Secret in an agent namespace (plain)': seededSecret,
        'the data of a Secret in an agent namespace (base64)': Buffer.from(seededSecret).toString('base64'),
        'SealedSecret ciphertext': seededCiphertext,
      };
      const leaked = Object.entries(seeded).filter(([, value]) => value.length >= 16 && text.includes(value)).map(([what]) => what);
      assert.ok(Object.values(seeded).every((value) => value.length >= 16), 'every seeded value is long enough to find');
      assert.deepEqual(leaked, []);
    });
  });
}

scenario('nothing lost, as installed (operator guard on)', true);
scenario('nothing lost by the reconciler itself (operator guard off)', false);
