/**
 * The foundation's promises, proven on the real control plane the global setup started: the API server answers,
 * garbage collection and namespace deletion run, RBAC, Pod Security, ValidatingAdmissionPolicy and RuntimeClass
 * admission are all enforced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
const node = kc.makeApiClient(k8s.NodeV1Api);

const statusOf = (error: unknown): number | undefined => (error instanceof k8s.ApiException ? error.code : undefined);

/** The `message` of the Status the API server answered with. */
function statusMessage(error: unknown): string {
  const body = (error as k8s.ApiException<unknown>).body;
  try {
    return String((JSON.parse(String(body)) as { message?: string }).message);
  } catch {
    return String(body);
  }
}

async function expectApiError(promise: Promise<unknown>, status: number, pattern?: RegExp): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.equal(statusOf(error), status, `expected HTTP ${status}, got ${String(error)}`);
    const message = statusMessage(error);
    if (pattern !== undefined) assert.match(message, pattern);
    return message;
  }
  assert.fail(`expected HTTP ${status}, but the request succeeded`);
}

async function createNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels } } });
  return name;
}

const pendingPod = (name: string, extra: Partial<k8s.V1PodSpec> = {}): k8s.V1Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'main', image: 'registry.example/agent:1' }], ...extra },
});

const restrictedContainer: k8s.V1Container = {
  name: 'main',
  image: 'registry.example/agent:1',
  securityContext: {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

describe('control plane', () => {
  test('creates and reads a Namespace', async () => {
    const name = await createNamespace('cp-basic');
    const read = await core.readNamespace({ name });
    assert.equal(read.metadata?.name, name);
    assert.equal(read.metadata?.labels?.['kubernetes.io/metadata.name'], name);
  });

  test('the ServiceAccount controller gives a new namespace its default ServiceAccount, and TokenRequest works', async () => {
    const namespace = await createNamespace('cp-sa');
    await eventually('ServiceAccount default', async () =>
      core.readNamespacedServiceAccount({ name: 'default', namespace }).catch(() => undefined),
    );
    const token = await core.createNamespacedServiceAccountToken({
      name: 'default',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    assert.ok((token.status?.token ?? '').split('.').length === 3, 'a JWT');
  });

  test('garbage collection removes a ConfigMap whose owner was deleted', async () => {
    const namespace = await createNamespace('cp-gc');
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace });
    await eventually('dependent ConfigMap collected', async () => {
      try {
        await core.readNamespacedConfigMap({ name: 'dependent', namespace });
        return undefined;
      } catch (error) {
        return statusOf(error) === 404 ? true : undefined;
      }
    });
  });

  test('namespace deletion completes instead of sticking in Terminating', async () => {
    const name = await createNamespace('cp-delete');
    await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: 'content' } } });
    await core.deleteNamespace({ name });
    await eventually(
      `namespace ${name} gone`,
      async () => {
        try {
          await core.readNamespace({ name });
          return undefined;
        } catch (error) {
          return statusOf(error) === 404 ? true : undefined;
        }
      },
      90_000,
    );
  });

  test('RBAC denies a ServiceAccount without bindings and allows it once a Role is bound', async () => {
    const namespace = await createNamespace('cp-rbac');
    const user = `system:serviceaccount:${namespace}:reader`;
    const canListConfigMaps = async (): Promise<boolean> => {
      const review = await authz.createSubjectAccessReview({
        body: {
          spec: {
            user,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
            resourceAttributes: { namespace, verb: 'list', resource: 'configmaps' },
          },
        },
      });
      return review.status?.allowed === true;
    };
    assert.equal(await canListConfigMaps(), false);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    await eventually('binding effective', async () => ((await canListConfigMaps()) ? true : undefined));

    // And through the real authentication path: impersonating the ServiceAccount.
    const impersonated = adminKubeConfig();
    impersonated.users = impersonated.users.map((u) => ({ ...u, impersonateUser: user }));
    const asReader = impersonated.makeApiClient(k8s.CoreV1Api);
    const list = await asReader.listNamespacedConfigMap({ namespace });
    assert.ok(Array.isArray(list.items));
    await expectApiError(asReader.listNamespacedSecret({ namespace }), 403);
  });

  test('Pod Security Admission rejects a privileged pod in a restricted namespace', async () => {
    const namespace = await createNamespace('cp-psa', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    await expectApiError(
      core.createNamespacedPod({
        namespace,
        body: pendingPod('privileged', {
          containers: [{ name: 'main', image: 'registry.example/agent:1', securityContext: { privileged: true } }],
        }),
      }),
      403,
      /violates PodSecurity "restricted:latest"/,
    );
    const admitted = await core.createNamespacedPod({
      namespace,
      body: pendingPod('restricted', { containers: [restrictedContainer] }),
    });
    assert.equal(admitted.metadata?.name, 'restricted');
  });

  describe('admission policies and runtime classes', () => {
    const runtimeClass = uniqueName('cp-sandbox');
    const policyName = uniqueName('cp-require-runtime');
    let namespace = '';

    before(async () => {
      namespace = await createNamespace('cp-vap');
      await node.createRuntimeClass({ body: { metadata: { name: runtimeClass }, handler: 'runsc' } });
      await admission.createValidatingAdmissionPolicy({
        body: {
          metadata: { name: policyName },
          spec: {
            failurePolicy: 'Fail',
            matchConstraints: {
              resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
            },
            validations: [
              {
                expression: `has(object.spec.runtimeClassName) && object.spec.runtimeClassName == '${runtimeClass}'`,
                message: 'pods must use the sandbox' },
            ],
          },
        },
      });
      await admission.createValidatingAdmissionPolicyBinding({
        body: {
          metadata: { name: policyName },
          spec: {
            policyName,
            validationActions: ['Deny'],
            matchResources: {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
            },
          },
        },
      });
    });

    after(async () => {
      await admission.deleteValidatingAdmissionPolicyBinding({ name: policyName });
      await admission.deleteValidatingAdmissionPolicy({ name: policyName });
      await node.deleteRuntimeClass({ name: runtimeClass });
    });

    test('a ValidatingAdmissionPolicy rejects a pod without runtimeClassName', async () => {
      // Policies take effect asynchronously: probe with server-side dry runs until the rejection appears.
      const body = await eventually('the admission policy to take effect', async () => {
        try {
          await core.createNamespacedPod({ namespace, body: pendingPod('probe'), dryRun: 'All' });
          return undefined;
        } catch (error) {
          return statusOf(error) === 422 ? statusMessage(error) : undefined;
        }
      });
      assert.match(body, /pods must use the sandbox/);
      await expectApiError(core.createNamespacedPod({ namespace, body: pendingPod('no-runtime') }), 422);
    });

    test('a pod naming an existing RuntimeClass is admitted and stays Pending', async () => {
      const pod = await core.createNamespacedPod({
        namespace,
        body: pendingPod('sandboxed', { runtimeClassName: runtimeClass }),
      });
      assert.equal(pod.spec?.runtimeClassName, runtimeClass);
      const read = await core.readNamespacedPod({ name: 'sandboxed', namespace });
      assert.equal(read.status?.phase, 'Pending');
      await core.deleteNamespacedPod({ name: 'sandboxed', namespace, gracePeriodSeconds: 0 });
    });

    test('a pod naming a missing RuntimeClass is rejected at admission', async () => {
      await expectApiError(
        core.createNamespacedPod({ namespace, body: pendingPod('missing', { runtimeClassName: 'no-such-class' }) }),
        403,
        /no-such-class/,
      );
    });
  });
});
