/**
 * `bulkhead audit` and the Isolated condition on the real API server: an envelope as the operator built it is
 * reported as isolated; a ClusterRoleBinding granting the agent `view` cluster-wide, a hand-made NetworkPolicy
 * opening egress, a pod without the runtime class admitted in Audit mode and a hand-written Secret are each reported
 * by the CLI (run as a process with a kubeconfig) and by the policy's status, naming the object; removing them clears
 * the findings.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, eventually, testKubeconfigPath, uniqueName } from '../support/cluster.ts';
import { PolicyClient, startTestOperator, type TestOperator } from '../support/operator.ts';

const admin = adminKubeConfig();
const core = admin.makeApiClient(k8s.CoreV1Api);
const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
const networking = admin.makeApiClient(k8s.NetworkingV1Api);
const policies = new PolicyClient(admin);
const root = fileURLToPath(new URL('../../', import.meta.url));

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bulkhead audit ARGS` as its own process against the test control plane. */
function audit(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts', 'audit', '--kubeconfig', testKubeconfigPath(), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

interface AuditJson {
  policies: {
    policy: string;
    weakened: boolean;
    widenings: number;
    network: { summary: string; query?: { allowed: boolean; because: string } };
    identity: { access: { id: string; allowed?: boolean; expected: boolean }[] };
    findings: { verdict: string; reason: string; message: string; object?: { kind: string; name: string; namespace?: string } }[];
  }[];
  summary: { policies: number; weakened: number; accessReviews: number; seconds: number };
}

async function auditJson(name: string, ...args: string[]): Promise<{ status: number | null; report: AuditJson; stderr: string }> {
  const result = await audit(name, '-o', 'json', ...args);
  assert.equal(result.stderr.includes('bulkhead audit:'), true, result.stderr);
  return { status: result.status, report: JSON.parse(result.stdout) as AuditJson, stderr: result.stderr };
}

const widenings = (report: AuditJson): string[] =>
  (report.policies[0]?.findings ?? [])
    .filter((f) => f.verdict === 'widening')
    .map((f) => `${f.reason} ${f.object?.kind} ${f.object?.name}`)
    .sort();

describe('bulkhead audit and the Isolated condition', () => {
  const name = uniqueName('aud');
  const namespace = `agent-${name}`;
  const foreign = { binding: `${name}-view`, networkPolicy: 'debug-egress', pod: 'unsandboxed', secret: 'handmade' };
  let operator: TestOperator;

  before(async () => {
    // No tamper protection: an admin "with the policy switched off" is how foreign NetworkPolicies get in.
    operator = await startTestOperator(admin, { auditIntervalMs: 1_000 });
    await policies.create(name, {
      sandbox: { enforcement: 'Audit' },
      network: {
        egress: [
          { cidr: '0.0.0.0/0', ports: [{ port: 443, protocol: 'TCP' }] },
          { namespaceName: 'llm-gateway', podSelector: { matchLabels: { app: 'gateway' } }, ports: [{ port: 8080 }] },
        ],
      },
    });
    await policies.waitCondition(name, 'Isolated', 'True', 'NoWidening');
    await policies.waitReady(name);
  });

  after(async () => {
    await rbac.deleteClusterRoleBinding({ name: foreign.binding }).catch(() => undefined);
    await policies.delete(name).catch(() => undefined);
    await policies.waitGone(name);
    await operator.stop();
  });

  test('the envelope as the operator built it is isolated; the metadata service is out of reach', async () => {
    const { status, report } = await auditJson(name, '--query', '169.254.169.254:80/TCP');
    assert.deepEqual(widenings(report), []);
    assert.equal(status, 0);
    const section = report.policies[0];
    assert.equal(
      section?.network.summary,
      'egress: UDP/TCP 53 to kube-system/k8s-app=kube-dns; ' +
        'TCP 443 to 0.0.0.0/0 except 10.0.0.0/8, 100.64.0.0/10, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16; ' +
        'TCP 8080 to llm-gateway/app=gateway; ingress: none',
    );
    assert.equal(section?.network.query?.allowed, false);
    assert.equal(report.summary.accessReviews, section?.identity.access.length);
    assert.ok(section?.identity.access.every((row) => row.allowed === false), 'the agent may do none of the sensitive actions');

    const table = await audit(name);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^AgentPolicy ${name} \\(namespace ${namespace}\\): isolated as its policy says`));
  });

  test('foreign objects are each reported by the CLI and the status, naming them; removing them clears both', async () => {
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: foreign.binding },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace }],
      },
    });
    await networking.createNamespacedNetworkPolicy({
      namespace,
      body: { metadata: { name: foreign.networkPolicy }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } },
    });
    // Audit mode admits a pod without the runtime class (with a warning); Pod Security restricted still applies.
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: foreign.pod },
        spec: {
          serviceAccountName: 'agent',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{ name: 'main', image: 'ghcr.io/acme/worker:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
        },
      },
    });
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: foreign.secret }, stringData: { token: 'not-from-a-sealed-secret' } } });

    const expected = [
      `ForeignBinding ClusterRoleBinding ${foreign.binding}`,
      `ForeignNetworkPolicy NetworkPolicy ${foreign.networkPolicy}`,
      `ForeignSecret Secret ${foreign.secret}`,
      `UnsandboxedPod Pod ${foreign.pod}`,
    ];
    // The authorizer's RBAC cache and the CLI's snapshot see the new objects within moments.
    const { status, report } = await eventually(
      'bulkhead audit to report every foreign object',
      async () => {
        const run = await auditJson(name, '--query', '169.254.169.254:80/TCP');
        const found = widenings(run.report);
        return expected.every((e) => found.includes(e)) && run.report.policies[0]?.identity.access.some((r) => r.allowed === true) ? run : undefined;
      },
      30_000,
      500,
    );
    assert.equal(status, 1);
    const section = report.policies[0];
    assert.equal(section?.weakened, true);
    assert.equal(section?.network.query?.allowed, true);
    assert.match(section?.network.query?.because ?? '', new RegExp(`^a rule the policy does not allow allows it: ${foreign.networkPolicy} rule 1`));
    // view cluster-wide lets the agent list namespaces: the SubjectAccessReview says so, and names the binding.
    const namespacesList = section?.findings.find((f) => f.reason === 'AccessWidened' && f.message.includes('list namespaces cluster-wide'));
    assert.equal(namespacesList?.object?.name, foreign.binding);
    // Secret values never reach the report.
    assert.ok(!JSON.stringify(report).includes('not-from-a-sealed-secret'));

    const weakened = await policies.waitCondition(name, 'Isolated', 'False', undefined, 30_000);
    const isolated = weakened.status?.conditions?.find((c) => c.type === 'Isolated');
    for (const object of [foreign.binding, `${namespace}/${foreign.networkPolicy}`, `${namespace}/${foreign.pod}`, `${namespace}/${foreign.secret}`]) {
      assert.ok(isolated?.message.includes(object), `the Isolated condition names ${object}: ${isolated?.message}`);
    }
    assert.equal(weakened.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False', 'a weakened envelope is not Ready');
    for (const kind of ['ClusterRoleBinding', 'NetworkPolicy', 'Pod', 'Secret']) {
      assert.ok(operator.metrics.envelopeWidenings.get({ kind }) >= 1, `bulkhead_envelope_widenings{kind="${kind}"}`);
    }
    const table = await audit(name);
    assert.equal(table.status, 1);
    assert.match(table.stdout, new RegExp(`^! {3}ForeignSecret: Secret ${namespace}/${foreign.secret}: no SealedSecret produced it`, 'm'));

    await rbac.deleteClusterRoleBinding({ name: foreign.binding });
    await networking.deleteNamespacedNetworkPolicy({ namespace, name: foreign.networkPolicy });
    await core.deleteNamespacedPod({ namespace, name: foreign.pod, gracePeriodSeconds: 0 });
    await core.deleteNamespacedSecret({ namespace, name: foreign.secret });

    const cleared = await eventually(
      'bulkhead audit to report nothing',
      async () => {
        const run = await auditJson(name);
        return widenings(run.report).length === 0 ? run : undefined;
      },
      30_000,
      500,
    );
    assert.equal(cleared.status, 0);
    await policies.waitCondition(name, 'Isolated', 'True', 'NoWidening', 30_000);
    await policies.waitReady(name, 30_000);
    assert.equal(operator.metrics.envelopeWidenings.get({ kind: 'Secret' }), 0);
  });

  test("a look-alike NetworkPolicy wearing Bulkhead's label is reported like any foreign one, left in place, and clears when removed", async () => {
    // The audit's own watch of NetworkPolicies skips Bulkhead's label (the envelope informers cache those); a
    // look-alike with the label and no owning policy must still reach the index and wake the policy it concerns.
    const lookalike = 'bulkhead-lookalike-egress';
    await networking.createNamespacedNetworkPolicy({
      namespace,
      body: {
        metadata: { name: lookalike, labels: { 'app.kubernetes.io/managed-by': 'bulkhead' } },
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] },
      },
    });
    const weakened = await policies.waitCondition(name, 'Isolated', 'False', undefined, 30_000);
    const isolated = weakened.status?.conditions?.find((c) => c.type === 'Isolated');
    assert.ok(isolated?.message.includes(`${namespace}/${lookalike}`), `the Isolated condition names the look-alike: ${isolated?.message}`);
    const untouched = await networking.readNamespacedNetworkPolicy({ namespace, name: lookalike });
    assert.equal(JSON.stringify(untouched.spec?.egress), '[{}]', 'Bulkhead does not own the look-alike, so it neither pruned nor rewrote it');

    await networking.deleteNamespacedNetworkPolicy({ namespace, name: lookalike });
    await policies.waitCondition(name, 'Isolated', 'True', 'NoWidening', 30_000);
  });

  test('bad input is a usage error: an unknown policy, a malformed query', async () => {
    const unknown = await audit('no-such-policy-xyz');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no AgentPolicy named "no-such-policy-xyz"/);
    const query = await audit(name, '--query', '169.254.169.254');
    assert.equal(query.status, 2);
    assert.match(query.stderr, /expected DEST:PORT\/PROTO/);
  });
});
