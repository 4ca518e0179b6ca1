/**
 * Admission in an agent namespace, on the real API server, with the operator running as its own ServiceAccount: the
 * policy's ValidatingAdmissionPolicyBinding (the chart's bulkhead-agent-pods policy, parameterised by the AgentPolicy)
 * and the namespace's Pod Security labels refuse every pod that could escape the sandbox, and admit the one that
 * follows the rules. Bindings and parameter changes take effect asynchronously: every refusal is awaited with
 * server-side dry-run probes, never with sleeps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';
import { eventuallyRefused, exists, expectApiError } from '../support/api.ts';
import { PolicyClient, startTestOperator, type TestOperator } from '../support/operator.ts';
import { imageAllowed } from '../../src/api/image-reference.ts';
import { imageCases } from '../fixtures/image-references.ts';

const admin = adminKubeConfig();
const core = admin.makeApiClient(k8s.CoreV1Api);
const policies = new PolicyClient(admin);

const registry = 'registry.example/agents/';
const digest = `sha256:${'a'.repeat(64)}`;

/** A pod that follows every rule: the runtime class, the agent ServiceAccount, an allowed image, restricted. */
function agentPod(name: string, spec: Partial<k8s.V1PodSpec> = {}, container: Partial<k8s.V1Container> = {}): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      runtimeClassName: 'gvisor',
      serviceAccountName: 'agent',
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'main',
          image: `${registry}worker:1`,
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          ...container,
        },
      ],
      ...spec,
    },
  };
}

describe('agent pod admission', () => {
  const name = uniqueName('adm');
  const namespace = `agent-${name}`;
  let operator: TestOperator;

  const dryRun = (pod: k8s.V1Pod): Promise<k8s.V1Pod> => core.createNamespacedPod({ namespace, body: pod, dryRun: 'All' });
  /** Waits until the dry run of `pod` is refused with `status` and a message matching `pattern`. */
  const refused = (what: string, pod: k8s.V1Pod, status: number, pattern: RegExp): Promise<string> =>
    eventuallyRefused(`${what} to be refused`, () => dryRun(pod), status, pattern);

  before(async () => {
    operator = await startTestOperator(admin);
    await policies.create(name, { images: { allowedRegistries: [registry] } });
    await policies.waitReady(name);
  });

  after(async () => {
    await policies.delete(name).catch(() => undefined);
    await policies.waitGone(name);
    // A pod still held by the test's finalizer would keep the namespace terminating forever.
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await eventually('the test finalizer to be off', async () => {
      if (!(await exists(() => core.readNamespacedPod({ name: 'older', namespace })))) return true;
      await core.patchNamespacedPod({ name: 'older', namespace, body: { metadata: { finalizers: null } } }, merge);
      return true;
    });
    await operator.stop();
  });

  test('a pod without the runtime class is refused', async () => {
    const message = await refused('a pod without runtimeClassName', agentPod('no-runtime', { runtimeClassName: undefined }), 403, /RuntimeClass "gvisor"/);
    assert.match(message, /ValidatingAdmissionPolicy 'bulkhead-agent-pods' with binding 'bulkhead-/);
    // Not only dry runs: a real create is refused too.
    await expectApiError(core.createNamespacedPod({ namespace, body: agentPod('no-runtime', { runtimeClassName: undefined }) }), 403, /RuntimeClass "gvisor"/);
  });

  test('a pod that follows the rules is admitted and stays Pending (no kubelet)', async () => {
    // The binding is in effect (previous test); this pod must pass it and Pod Security restricted.
    const created = await core.createNamespacedPod({ namespace, body: agentPod('compliant') });
    assert.equal(created.spec?.runtimeClassName, 'gvisor');
    assert.equal(created.spec?.serviceAccountName, 'agent');
    // The agent ServiceAccount has automount off: no token volume was injected.
    assert.ok(!(created.spec?.volumes ?? []).some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken !== undefined)));
    const read = await core.readNamespacedPod({ name: 'compliant', namespace });
    assert.equal(read.status?.phase, 'Pending');
    await core.deleteNamespacedPod({ name: 'compliant', namespace, gracePeriodSeconds: 0 });
  });

  test('updates are judged too: an image changed to another registry is refused', async () => {
    await core.createNamespacedPod({ namespace, body: agentPod('updated') });
    const patch = [{ op: 'replace', path: '/spec/containers/0/image', value: 'docker.io/library/busybox:1' }];
    await expectApiError(
      core.patchNamespacedPod({ name: 'updated', namespace, body: patch }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch)),
      403,
      /allowed registries/,
    );
    // `kubectl debug` adds an ephemeral container through its own subresource: judged the same way.
    const debug = (image: string): Promise<unknown> =>
      core.patchNamespacedPodEphemeralcontainers(
        {
          name: 'updated',
          namespace,
          body: {
            spec: {
              ephemeralContainers: [
                {
                  name: 'debugger',
                  image,
                  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                },
              ],
            },
          },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      );
    await expectApiError(debug('docker.io/library/busybox:1'), 403, /allowed registries/);
    await debug(`${registry}debug:1`);
    await core.deleteNamespacedPod({ name: 'updated', namespace, gracePeriodSeconds: 0 });
  });

  test('a pod as another ServiceAccount is refused', async () => {
    // The default ServiceAccount exists once the ServiceAccount controller created it; until then admission says so.
    await refused(
      'a pod as ServiceAccount default',
      agentPod('other-sa', { serviceAccountName: 'default', automountServiceAccountToken: false }),
      403,
      /must run as ServiceAccount "agent"/,
    );
  });

  test('a privileged pod is refused by Pod Security (restricted)', async () => {
    const message = await expectApiError(dryRun(agentPod('privileged', {}, { securityContext: { privileged: true } })), 403);
    assert.match(message, /violates PodSecurity "restricted:latest"/);
    assert.match(message, /privileged/);
  });

  test('an image outside the allowed registries is refused', async () => {
    await refused('an image from docker.io', agentPod('foreign-image', {}, { image: 'docker.io/library/busybox:1' }), 403, /allowed registries: registry\.example\/agents/);
    // An init container counts too.
    await refused(
      'an init container from another registry',
      agentPod('foreign-init', {
        initContainers: [
          {
            name: 'init',
            image: 'registry.example/other/tool:1',
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        ],
      }),
      403,
      /allowed registries/,
    );
  });

  test('a pod sharing the host network is refused', async () => {
    // Pod Security runs before the admission policy and already refuses host namespaces at restricted (and baseline).
    const message = await expectApiError(dryRun(agentPod('host-network', { hostNetwork: true })), 403);
    assert.match(message, /host namespaces \(hostNetwork=true\)|may not share the host network/);
  });

  test('automountServiceAccountToken: true is refused', async () => {
    await refused(
      'a pod mounting the ServiceAccount token',
      agentPod('automount', { automountServiceAccountToken: true }),
      403,
      /may not mount a ServiceAccount token/,
    );
  });

  test('with requireDigest, an image without @sha256 is refused and a pinned one admitted; older pods are not frozen', async () => {
    // A pod admitted before the rules tighten, held by a finalizer as the Job controller holds its pods.
    await core.createNamespacedPod({ namespace, body: { ...agentPod('older'), metadata: { name: 'older', finalizers: ['example.com/hold'] } } });
    await policies.patchSpec(name, { images: { allowedRegistries: [registry], requireDigest: true } });
    await policies.waitReady(name);
    // The parameter (the AgentPolicy itself) reaches the admission plugin's cache asynchronously.
    await refused('an image pinned by tag only', agentPod('tagged'), 403, /pinned by digest/);
    const pinned = await dryRun(agentPod('pinned', {}, { image: `${registry}worker@${digest}` }));
    assert.equal(pinned.spec?.containers[0]?.image, `${registry}worker@${digest}`);

    // The older pod no longer follows the rules, yet updates that leave its spec alone (labels, the finalizer its
    // controller removes) must pass, or it could never be finished nor deleted.
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await core.patchNamespacedPod({ name: 'older', namespace, body: { metadata: { labels: { phase: 'draining' } } } }, merge);
    await core.deleteNamespacedPod({ name: 'older', namespace, gracePeriodSeconds: 0 });
    await core.patchNamespacedPod({ name: 'older', namespace, body: { metadata: { finalizers: null } } }, merge);
    await eventually('the older pod to be gone', async () => ((await exists(() => core.readNamespacedPod({ name: 'older', namespace }))) ? undefined : true));
  });

  test('enforcement Audit: a violating pod is admitted with a warning; SandboxEnforced=False AuditOnly, Ready stays True', async () => {
    await policies.patchSpec(name, { sandbox: { enforcement: 'Audit' } });
    const audited = await policies.waitCondition(name, 'SandboxEnforced', 'False', 'AuditOnly');
    assert.equal(audited.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

    // The binding's validationActions change reaches the API server asynchronously: probe until it admits with a warning.
    const violating = agentPod('audited', { runtimeClassName: undefined });
    const warning = await eventually('a pod off the runtime class to be admitted with a warning', async () => {
      const response = await core.createNamespacedPodWithHttpInfo({ namespace, body: violating, dryRun: 'All' });
      const header = response.headers['warning'];
      return header !== undefined && /RuntimeClass \\?"gvisor/.test(header) ? header : undefined;
    });
    assert.match(warning, /bulkhead-agent-pods/);

    const created = await core.createNamespacedPodWithHttpInfo({ namespace, body: violating });
    assert.equal(created.httpStatusCode, 201);
    assert.match(created.headers['warning'] ?? '', /agent pods must run on RuntimeClass/);
    assert.equal(created.data.spec?.runtimeClassName, undefined);
    await core.deleteNamespacedPod({ name: 'audited', namespace, gracePeriodSeconds: 0 });

    // Pod Security still enforces: Audit concerns only the sandbox rules.
    await expectApiError(dryRun(agentPod('privileged', { runtimeClassName: undefined }, { securityContext: { privileged: true } })), 403, /PodSecurity/);
  });

  test('enforcement Disabled: no binding selects the namespace, SandboxEnforced=False EnforcementDisabled, Ready stays True', async () => {
    await policies.patchSpec(name, { sandbox: { enforcement: 'Disabled' } });
    const disabled = await policies.waitCondition(name, 'SandboxEnforced', 'False', 'EnforcementDisabled');
    assert.equal(disabled.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    const ns = await core.readNamespace({ name: namespace });
    assert.equal(ns.metadata?.labels?.['bulkhead.dev/enforcement'], 'Disabled');
    await eventually('a pod off the runtime class to be admitted without a warning', async () => {
      const response = await core.createNamespacedPodWithHttpInfo({ namespace, body: agentPod('unbound', { runtimeClassName: undefined }), dryRun: 'All' });
      return response.headers['warning'] === undefined ? true : undefined;
    });

    // Enforce again: the binding comes back and denies.
    await policies.patchSpec(name, { sandbox: { enforcement: 'Enforce' } });
    await policies.waitCondition(name, 'SandboxEnforced', 'True');
    await refused('a pod without runtimeClassName, enforced again', agentPod('enforced', { runtimeClassName: undefined }), 403, /RuntimeClass "gvisor"/);
  });
});

describe('allowed registries: the admission policy\'s CEL and the TypeScript matcher agree on one table', () => {
  const lists = [...new Set(imageCases.map((c) => JSON.stringify(c.allowed)))].map((l) => JSON.parse(l) as string[]);
  const names = lists.map(() => uniqueName('reg'));
  let operator: TestOperator;

  before(async () => {
    operator = await startTestOperator(admin);
    await Promise.all(lists.map((allowed, i) => policies.create(names[i] as string, { images: { allowedRegistries: allowed } })));
    await Promise.all(names.map((n) => policies.waitReady(n)));
  });

  after(async () => {
    await Promise.all(names.map((n) => policies.delete(n).catch(() => undefined)));
    await Promise.all(names.map((n) => policies.waitGone(n)));
    await operator.stop();
  });

  test('every image of the table is admitted or refused as the TypeScript matcher says', async () => {
    for (const c of imageCases) {
      assert.equal(imageAllowed(c.image, c.allowed), c.admitted, `table and matcher disagree on ${c.image}`);
      const namespace = `agent-${names[lists.findIndex((l) => JSON.stringify(l) === JSON.stringify(c.allowed))] ?? ''}`;
      const pod = agentPod('image-probe', {}, { image: c.image });
      const attempt = () => core.createNamespacedPod({ namespace, body: pod, dryRun: 'All' });
      if (c.admitted) {
        await eventually(`${c.image} to be admitted under ${c.allowed.join(',')}`, async () => ((await attempt()) ? true : undefined));
      } else {
        await eventuallyRefused(`${c.image} to be refused under ${c.allowed.join(',')}`, attempt, 403, /allowed registries/);
      }
    }
  });
});
