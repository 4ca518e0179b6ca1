/**
 * The agent's view: every way out of its envelope that the agent itself could try, made with the agent
 * ServiceAccount's real token (TokenRequest) against the real API server, with the real operator having built the
 * envelope. Each row expects the layer that must refuse it (RBAC, the bulkhead-agent-pods admission policy, Pod
 * Security); positive controls prove the token works and the grant is usable. The tables are printed.
 *
 * The pod rows need a right the permission ceiling never gives (create pods): an admin grants it by hand, the
 * worst case a platform team could add, and admission must still hold every rule of the policy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { defaultOperatorConfig } from '../../src/config.ts';
import { assertTable, runChecks, type AccessCheck, type Outcome } from '../support/access-checks.ts';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';
import { tokenKubeConfig } from '../support/install.ts';
import { PolicyClient, startTestOperator, type TestOperator } from '../support/operator.ts';
import { rawRequest } from '../support/raw-request.ts';

const admin = adminKubeConfig();
const policies = new PolicyClient(admin);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const dryRun = 'All' as const;
const digest = `@sha256:${'a'.repeat(64)}`;
const admission: Outcome = 'admission:bulkhead-agent-pods';
const opNs = defaultOperatorConfig.operatorNamespace;

function clients(kc: k8s.KubeConfig) {
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    networking: kc.makeApiClient(k8s.NetworkingV1Api),
    rbac: kc.makeApiClient(k8s.RbacAuthorizationV1Api),
    flow: kc.makeApiClient(k8s.FlowcontrolApiserverV1Api),
    admission: kc.makeApiClient(k8s.AdmissionregistrationV1Api),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    authn: kc.makeApiClient(k8s.AuthenticationV1Api),
    storage: kc.makeApiClient(k8s.StorageV1Api),
  };
}

/** A pod that follows every rule of the policy below and Pod Security restricted; `change` breaks one. */
function agentPod(name: string, change: (spec: k8s.V1PodSpec) => void = () => undefined): k8s.V1Pod {
  const spec: k8s.V1PodSpec = {
    runtimeClassName: 'gvisor',
    serviceAccountName: 'agent',
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'agent',
        image: `ghcr.io/acme/agent${digest}`,
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  };
  change(spec);
  return { metadata: { name }, spec };
}

const firstContainer = (spec: k8s.V1PodSpec): k8s.V1Container => spec.containers[0] as k8s.V1Container;

describe('escape matrix: the agent ServiceAccount against its envelope', () => {
  const policy = uniqueName('escape');
  const ns = `agent-${policy}`;
  const otherNs = uniqueName('escape-other');
  const as = clients(admin);
  let agent: ReturnType<typeof clients>;
  let operator: TestOperator;

  before(async () => {
    operator = await startTestOperator(admin);
    await policies.create(policy, {
      rbac: {
        rules: [
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create'] },
          { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['agent-creds'] },
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
          { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'create', 'delete'] },
        ],
      },
      // Without a trailing slash: must still mean the ghcr.io/acme/ path, not every name that starts with it.
      images: { allowedRegistries: ['ghcr.io/acme'], requireDigest: true },
    });
    await policies.waitReady(policy);
    await as.core.createNamespace({ body: { metadata: { name: otherNs } } });
    for (const namespace of [ns, otherNs, 'default']) {
      await as.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'escape-config' }, data: { k: 'v' } } }).catch(ignoreExists);
    }
    await as.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'agent-creds' }, stringData: { token: 'granted' } } });
    await as.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'other-creds' }, stringData: { token: 'not granted' } } });
    await as.core.createNamespacedSecret({ namespace: otherNs, body: { metadata: { name: 'agent-creds' }, stringData: { token: 'elsewhere' } } });
    // A running agent pod to exec into and attach to (it stays Pending: no kubelet; authorization comes first anyway).
    await as.core.createNamespacedPod({ namespace: ns, body: agentPod('agent-pod') });
    const token = await as.core.createNamespacedServiceAccountToken({ name: 'agent', namespace: ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    agent = clients(tokenKubeConfig(admin, token.status?.token ?? assert.fail('no token')));
  });

  after(async () => {
    await policies.delete(policy).catch(() => undefined);
    await policies.waitGone(policy);
    await operator.stop();
    await as.core.deleteNamespace({ name: otherNs }).catch(() => undefined);
    await as.core.deleteNamespacedConfigMap({ name: 'escape-config', namespace: 'default' }).catch(() => undefined);
  });

  test('the token is the agent ServiceAccount\'s', async () => {
    const review = await agent.authn.createSelfSubjectReview({ body: {} });
    assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${ns}:agent`);
  });

  test('API escapes: every one refused by RBAC, every grant usable', async () => {
    const raw = (method: string, path: string, headers?: Record<string, string>, body?: unknown) => () => rawRequest(agent.kc, method, path, headers, body);
    const role = (name: string): k8s.V1Role => ({ metadata: { name }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] });
    const binding = (name: string, roleName: string): k8s.V1RoleBinding => ({
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: ns }],
    });
    const compliantJob: k8s.V1Job = { metadata: { name: 'escape-job' }, spec: { template: { ...agentPod('x'), metadata: {}, spec: { ...agentPod('x').spec, restartPolicy: 'Never' } as k8s.V1PodSpec } } };
    const checks: AccessCheck[] = [
      // Positive controls.
      { name: 'grant: get a ConfigMap in its namespace', expect: 'allowed', attempt: () => agent.core.readNamespacedConfigMap({ name: 'escape-config', namespace: ns }) },
      { name: 'grant: list ConfigMaps in its namespace', expect: 'allowed', attempt: () => agent.core.listNamespacedConfigMap({ namespace: ns }) },
      { name: 'grant: create a ConfigMap in its namespace', expect: 'allowed', attempt: () => agent.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'scratch' } }, dryRun }) },
      { name: 'grant: get its own secret agent-creds', expect: 'allowed', attempt: () => agent.core.readNamespacedSecret({ name: 'agent-creds', namespace: ns }) },
      { name: 'grant: list pods in its namespace', expect: 'allowed', attempt: () => agent.core.listNamespacedPod({ namespace: ns }) },
      { name: 'grant: create a compliant Job', expect: 'allowed', attempt: () => agent.batch.createNamespacedJob({ namespace: ns, body: compliantJob, dryRun }) },

      // Data beyond its grant.
      { name: 'data: get another secret in its namespace', expect: 'rbac', attempt: () => agent.core.readNamespacedSecret({ name: 'other-creds', namespace: ns }) },
      { name: 'data: list secrets in its namespace', expect: 'rbac', attempt: () => agent.core.listNamespacedSecret({ namespace: ns }) },
      { name: 'data: create a secret in its namespace', expect: 'rbac', attempt: () => agent.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'x' } }, dryRun }) },
      { name: 'data: get a secret of the same name in another namespace', expect: 'rbac', attempt: () => agent.core.readNamespacedSecret({ name: 'agent-creds', namespace: otherNs }) },
      { name: 'data: list secrets in kube-system', expect: 'rbac', attempt: () => agent.core.listNamespacedSecret({ namespace: 'kube-system' }) },
      { name: 'data: get a ConfigMap in another namespace', expect: 'rbac', attempt: () => agent.core.readNamespacedConfigMap({ name: 'escape-config', namespace: otherNs }) },
      { name: 'data: get a ConfigMap in default', expect: 'rbac', attempt: () => agent.core.readNamespacedConfigMap({ name: 'escape-config', namespace: 'default' }) },
      { name: 'data: list ConfigMaps across the cluster', expect: 'rbac', attempt: () => agent.core.listConfigMapForAllNamespaces() },
      { name: 'data: delete a ConfigMap in its namespace (not granted)', expect: 'rbac', attempt: () => agent.core.deleteNamespacedConfigMap({ name: 'escape-config', namespace: ns, dryRun }) },

      // Its own envelope.
      { name: 'envelope: create a Role', expect: 'rbac', attempt: () => agent.rbac.createNamespacedRole({ namespace: ns, body: role('escape'), dryRun }) },
      { name: 'envelope: widen its Role bulkhead-agent (escalate)', expect: 'rbac', attempt: () => agent.rbac.patchNamespacedRole({ name: 'bulkhead-agent', namespace: ns, body: role('bulkhead-agent'), dryRun }, mergePatch) },
      { name: 'envelope: bind itself to cluster-admin (bind)', expect: 'rbac', attempt: () => agent.rbac.createNamespacedRoleBinding({ namespace: ns, body: binding('escape', 'cluster-admin'), dryRun }) },
      { name: 'envelope: add a subject to its RoleBinding', expect: 'rbac', attempt: () => agent.rbac.patchNamespacedRoleBinding({ name: 'bulkhead-agent', namespace: ns, body: { subjects: [{ kind: 'Group', name: 'system:authenticated', apiGroup: 'rbac.authorization.k8s.io' }] }, dryRun }, mergePatch) },
      { name: 'envelope: create an allow-all NetworkPolicy', expect: 'rbac', attempt: () => agent.networking.createNamespacedNetworkPolicy({ namespace: ns, body: { metadata: { name: 'escape' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } }, dryRun }) },
      { name: 'envelope: delete bulkhead-default-deny', expect: 'rbac', attempt: () => agent.networking.deleteNamespacedNetworkPolicy({ name: 'bulkhead-default-deny', namespace: ns, dryRun }) },
      { name: 'envelope: raise its ResourceQuota', expect: 'rbac', attempt: () => agent.core.patchNamespacedResourceQuota({ name: 'bulkhead', namespace: ns, body: { spec: { hard: { pods: '1000' } } }, dryRun }, mergePatch) },
      { name: 'envelope: create a ResourceQuota', expect: 'rbac', attempt: () => agent.core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'escape' }, spec: { hard: {} } }, dryRun }) },
      { name: 'envelope: delete its LimitRange', expect: 'rbac', attempt: () => agent.core.deleteNamespacedLimitRange({ name: 'bulkhead', namespace: ns, dryRun }) },
      { name: 'envelope: make its namespace privileged', expect: 'rbac', attempt: () => agent.core.patchNamespace({ name: ns, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, dryRun }, mergePatch) },
      { name: 'envelope: delete its namespace', expect: 'rbac', attempt: () => agent.core.deleteNamespace({ name: ns, dryRun }) },
      { name: 'envelope: turn on token automount on its ServiceAccount', expect: 'rbac', attempt: () => agent.core.patchNamespacedServiceAccount({ name: 'agent', namespace: ns, body: { automountServiceAccountToken: true }, dryRun }, mergePatch) },
      { name: 'envelope: exempt itself from its FlowSchema', expect: 'rbac', attempt: () => agent.flow.patchFlowSchema({ name: `bulkhead-${policy}`, body: { spec: { priorityLevelConfiguration: { name: 'exempt' } } }, dryRun }, mergePatch) },
      { name: 'envelope: read or edit its AgentPolicy', expect: 'rbac', attempt: () => agent.custom.patchClusterCustomObject({ group: 'bulkhead.dev', version: 'v1alpha1', plural: 'agentpolicies', name: policy, body: { spec: { images: { allowedRegistries: [] } } }, dryRun }, mergePatch) },
      { name: 'envelope: delete the pod admission policy', expect: 'rbac', attempt: () => agent.admission.deleteValidatingAdmissionPolicy({ name: 'bulkhead-agent-pods', dryRun }) },

      // Running code in other pods, acting as someone else.
      { name: 'exec into a pod (pods/exec)', expect: 'rbac', attempt: raw('POST', `/api/v1/namespaces/${ns}/pods/agent-pod/exec?command=sh&stdin=true&stdout=true`) },
      { name: 'attach to a pod (pods/attach)', expect: 'rbac', attempt: raw('POST', `/api/v1/namespaces/${ns}/pods/agent-pod/attach?stdin=true&stdout=true`) },
      { name: 'port-forward to a pod (pods/portforward)', expect: 'rbac', attempt: raw('POST', `/api/v1/namespaces/${ns}/pods/agent-pod/portforward?ports=80`) },
      { name: 'impersonate a cluster admin user', expect: 'rbac', attempt: raw('GET', '/api/v1/namespaces/kube-system/secrets', { 'Impersonate-User': 'bulkhead-test-admin' }) },
      { name: 'impersonate the group system:masters', expect: 'rbac', attempt: raw('GET', '/api/v1/nodes', { 'Impersonate-User': `system:serviceaccount:${ns}:agent`, 'Impersonate-Group': 'system:masters' }) },
      { name: 'impersonate the operator ServiceAccount', expect: 'rbac', attempt: raw('GET', '/api/v1/namespaces', { 'Impersonate-User': `system:serviceaccount:${opNs}:bulkhead` }) },
      { name: 'token for the default ServiceAccount of its namespace', expect: 'rbac', attempt: () => agent.core.createNamespacedServiceAccountToken({ name: 'default', namespace: ns, body: { spec: { audiences: [] } } }) },
      { name: 'token for the operator ServiceAccount', expect: 'rbac', attempt: () => agent.core.createNamespacedServiceAccountToken({ name: 'bulkhead', namespace: opNs, body: { spec: { audiences: [] } } }) },
      { name: 'token for its own ServiceAccount (automount is off)', expect: 'rbac', attempt: () => agent.core.createNamespacedServiceAccountToken({ name: 'agent', namespace: ns, body: { spec: { audiences: [] } } }) },
      { name: 'create pods (its grant has none)', expect: 'rbac', attempt: () => agent.core.createNamespacedPod({ namespace: ns, body: agentPod('escape'), dryRun }) },

      // Nodes and the cluster scope.
      { name: 'list nodes', expect: 'rbac', attempt: () => agent.core.listNode() },
      { name: 'node proxy', expect: 'rbac', attempt: raw('GET', '/api/v1/nodes/any/proxy/metrics') },
      { name: 'list namespaces', expect: 'rbac', attempt: () => agent.core.listNamespace() },
      { name: 'list ClusterRoles', expect: 'rbac', attempt: () => agent.rbac.listClusterRole() },
      { name: 'list CustomResourceDefinitions', expect: 'rbac', attempt: () => agent.ext.listCustomResourceDefinition() },
      { name: 'list AgentPolicies', expect: 'rbac', attempt: () => agent.custom.listClusterCustomObject({ group: 'bulkhead.dev', version: 'v1alpha1', plural: 'agentpolicies' }) },
      { name: 'list PersistentVolumes', expect: 'rbac', attempt: () => agent.core.listPersistentVolume() },
      { name: 'list StorageClasses', expect: 'rbac', attempt: () => agent.storage.listStorageClass() },
      { name: 'list pods in kube-system', expect: 'rbac', attempt: () => agent.core.listNamespacedPod({ namespace: 'kube-system' }) },
      { name: 'create a Job in another namespace', expect: 'rbac', attempt: () => agent.batch.createNamespacedJob({ namespace: otherNs, body: compliantJob, dryRun }) },
    ];
    const results = await runChecks(checks);
    assertTable(`agent ${ns}: API`, results);
    assert.ok(results.filter((r) => r.outcome !== 'allowed').length >= 40, 'at least 40 escapes tried');
  });

  test('pod escapes: even with create pods granted by hand, admission and Pod Security refuse every rule broken', async () => {
    await as.rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'escape-matrix-pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] } });
    await as.rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'escape-matrix-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'escape-matrix-pods' },
        subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: ns }],
      },
    });
    const create = (name: string, change?: (spec: k8s.V1PodSpec) => void) => () =>
      agent.core.createNamespacedPod({ namespace: ns, body: agentPod(name, change), dryRun });
    // The grant reaches the authorizer asynchronously: the compliant pod is the probe.
    await eventually('the hand-made pod grant to take effect', async () => ((await create('probe')()) === undefined ? undefined : true), 15_000);

    const hostPath = (spec: k8s.V1PodSpec): void => {
      spec.volumes = [{ name: 'host', hostPath: { path: '/' } }];
      firstContainer(spec).volumeMounts = [{ name: 'host', mountPath: '/host' }];
    };
    const checks: AccessCheck[] = [
      { name: 'compliant pod (positive control)', expect: 'allowed', attempt: create('ok') },
      { name: 'no runtime class (runs outside the sandbox)', expect: admission, attempt: create('no-rc', (s) => delete s.runtimeClassName) },
      { name: 'the default ServiceAccount', expect: admission, attempt: create('sa-default', (s) => (s.serviceAccountName = 'default')) },
      { name: 'no ServiceAccount named (defaults to default)', expect: admission, attempt: create('sa-none', (s) => delete s.serviceAccountName) },
      { name: 'host network', expect: [admission, 'pod-security'], attempt: create('hostnet', (s) => (s.hostNetwork = true)) },
      { name: 'host PID', expect: [admission, 'pod-security'], attempt: create('hostpid', (s) => (s.hostPID = true)) },
      { name: 'hostPath volume of /', expect: 'pod-security', attempt: create('hostpath', hostPath) },
      { name: 'privileged container', expect: 'pod-security', attempt: create('priv', (s) => (firstContainer(s).securityContext = { privileged: true })) },
      { name: 'added capability SYS_ADMIN', expect: 'pod-security', attempt: create('caps', (s) => (firstContainer(s).securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } })) },
      { name: 'foreign registry', expect: admission, attempt: create('foreign', (s) => (firstContainer(s).image = `docker.io/library/busybox${digest}`)) },
      { name: 'registry that only starts like the allowed one (ghcr.io/acme-evil)', expect: admission, attempt: create('overmatch', (s) => (firstContainer(s).image = `ghcr.io/acme-evil/agent${digest}`)) },
      { name: 'registry host that only starts like it (ghcr.io.evil.example)', expect: admission, attempt: create('overmatch-host', (s) => (firstContainer(s).image = `ghcr.io.evil.example/acme/agent${digest}`)) },
      { name: 'image by tag, not digest', expect: admission, attempt: create('tag', (s) => (firstContainer(s).image = 'ghcr.io/acme/agent:latest')) },
      { name: 'init container from a foreign registry', expect: admission, attempt: create('init', (s) => (s.initContainers = [{ ...firstContainer(s), name: 'init', image: `docker.io/library/busybox${digest}` }])) },
      { name: 'token automount turned on', expect: admission, attempt: create('automount', (s) => (s.automountServiceAccountToken = true)) },
      { name: 'projected ServiceAccount token volume', expect: admission, attempt: create('projected', (s) => (s.volumes = [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }])) },
    ];
    const results = await runChecks(checks);
    assertTable(`agent ${ns}: pods`, results);
  });

  test('a Job whose pod breaks the policy never gets a pod; a compliant one does', async () => {
    const job = (name: string, change?: (spec: k8s.V1PodSpec) => void): k8s.V1Job => {
      const { spec } = agentPod(name, change);
      return { metadata: { name }, spec: { backoffLimit: 0, template: { metadata: { labels: { job: name } }, spec: { ...(spec as k8s.V1PodSpec), restartPolicy: 'Never' } } } };
    };
    await agent.batch.createNamespacedJob({ namespace: ns, body: job('escape-bad', (s) => delete s.runtimeClassName) });
    await agent.batch.createNamespacedJob({ namespace: ns, body: job('escape-good') });
    const podsOf = async (name: string): Promise<number> => (await as.core.listNamespacedPod({ namespace: ns, labelSelector: `job=${name}` })).items.length;
    // The job controller creates the compliant Job's pod: once it has, it has also tried the other one.
    await eventually('the compliant Job to get its pod', async () => ((await podsOf('escape-good')) > 0 ? true : undefined), 30_000);
    const refused = await eventually('the job controller to report the refused pod', async () => {
      const events = await as.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=escape-bad' });
      return events.items.find((e) => e.reason === 'FailedCreate' && /bulkhead-agent-pods/.test(e.message ?? ''));
    }, 30_000);
    assert.match(refused.message ?? '', /RuntimeClass/);
    assert.equal(await podsOf('escape-bad'), 0);
  });
});

function ignoreExists(error: unknown): void {
  if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
}
