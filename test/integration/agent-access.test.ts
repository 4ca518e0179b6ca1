/**
 * Least privilege on the real authorizer: what the agent's ServiceAccount may do is exactly what its policy grants
 * (SubjectAccessReview with the groups a ServiceAccount token carries), its real requests are classified by its own
 * FlowSchema into the throttled bulkhead-agents priority level (the API Priority and Fairness response headers), and
 * the operator itself holds no escalate, no impersonate and no cluster-wide copy of the permission ceiling.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { defaultOperatorConfig } from '../../src/config.ts';
import { adminKubeConfig, eventually, uniqueName } from '../support/cluster.ts';
import { expectApiError } from '../support/api.ts';
import { tokenKubeConfig } from '../support/install.ts';
import { PolicyClient, startTestOperator, type TestOperator } from '../support/operator.ts';

const admin = adminKubeConfig();
const core = admin.makeApiClient(k8s.CoreV1Api);
const authz = admin.makeApiClient(k8s.AuthorizationV1Api);
const flowcontrol = admin.makeApiClient(k8s.FlowcontrolApiserverV1Api);
const policies = new PolicyClient(admin);

type Attributes = k8s.V1ResourceAttributes;

/** A SubjectAccessReview for a ServiceAccount, with the groups its token would carry. */
async function serviceAccountMay(namespace: string, name: string, attributes: Attributes): Promise<boolean> {
  const review = await authz.createSubjectAccessReview({
    body: {
      spec: {
        user: `system:serviceaccount:${namespace}:${name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes: attributes,
      },
    },
  });
  return review.status?.allowed === true;
}

const describeAttributes = (a: Attributes): string =>
  `${a.verb} ${a.group === undefined || a.group === '' ? '' : `${a.group}/`}${a.resource}${a.subresource === undefined ? '' : `/${a.subresource}`}` +
  `${a.name === undefined ? '' : ` ${a.name}`} in ${a.namespace === undefined || a.namespace === '' ? 'the cluster scope' : a.namespace}`;

describe('agent access', () => {
  const name = uniqueName('acc');
  const namespace = `agent-${name}`;
  const elsewhere = uniqueName('acc-other');
  let operator: TestOperator;

  before(async () => {
    operator = await startTestOperator(admin);
    await core.createNamespace({ body: { metadata: { name: elsewhere } } });
    await policies.create(name, {
      rbac: {
        rules: [
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create'] },
          { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['openai-api-key'] },
        ],
        clusterRoles: ['view'],
      },
    });
    await policies.waitReady(name);
  });

  after(async () => {
    await policies.delete(name).catch(() => undefined);
    await policies.waitGone(name);
    await core.deleteNamespace({ name: elsewhere }).catch(() => undefined);
    await operator.stop();
  });

  describe('the agent ServiceAccount', () => {
    const agentMay = (attributes: Attributes): Promise<boolean> => serviceAccountMay(namespace, 'agent', attributes);

    test('may do what its rules and cluster roles give, in its namespace', async () => {
      const allowed: Attributes[] = [
        { namespace, verb: 'get', resource: 'configmaps', name: 'settings' },
        { namespace, verb: 'create', resource: 'configmaps' },
        { namespace, verb: 'get', resource: 'secrets', name: 'openai-api-key' },
        // From view, bound inside the namespace.
        { namespace, verb: 'list', resource: 'pods' },
        { namespace, verb: 'watch', group: 'apps', resource: 'deployments' },
      ];
      for (const attributes of allowed) {
        // RBAC objects the operator just wrote reach the authorizer's cache asynchronously.
        await eventually(describeAttributes(attributes), async () => ((await agentMay(attributes)) ? true : undefined), 15_000);
      }
    });

    test('may do nothing else', async () => {
      const denied: Attributes[] = [
        { namespace, verb: 'list', resource: 'secrets' },
        { namespace, verb: 'get', resource: 'secrets', name: 'someone-elses' },
        { namespace: elsewhere, verb: 'get', resource: 'secrets', name: 'openai-api-key' },
        { namespace: elsewhere, verb: 'get', resource: 'configmaps', name: 'settings' },
        { namespace: elsewhere, verb: 'list', resource: 'pods' },
        { namespace: '', verb: 'list', resource: 'secrets' },
        { namespace: '', verb: 'list', resource: 'nodes' },
        { namespace: '', verb: 'get', resource: 'namespaces', name: namespace },
        { namespace: '', verb: 'list', resource: 'namespaces' },
        { namespace, verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
        { namespace, verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'roles' },
        { namespace, verb: 'create', resource: 'pods', subresource: 'exec', name: 'worker' },
        { namespace, verb: 'create', resource: 'pods', subresource: 'attach', name: 'worker' },
        { namespace, verb: 'create', resource: 'pods' },
        { namespace, verb: 'delete', resource: 'configmaps', name: 'settings' },
        { namespace, verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'agent' },
        { namespace, verb: 'patch', group: 'networking.k8s.io', resource: 'networkpolicies', name: 'bulkhead-default-deny' },
        { namespace: '', verb: 'get', group: 'bulkhead.dev', resource: 'agentpolicies', name },
      ];
      const granted = [];
      for (const attributes of denied) if (await agentMay(attributes)) granted.push(describeAttributes(attributes));
      assert.deepEqual(granted, [], 'the agent may not do these');
    });

    test('its real requests are classified by its FlowSchema into the bulkhead-agents priority level', async () => {
      const flowSchema = await flowcontrol.readFlowSchema({ name: `bulkhead-${name}` });
      const priorityLevel = await flowcontrol.readPriorityLevelConfiguration({ name: defaultOperatorConfig.priorityLevelName });
      assert.equal(flowSchema.spec?.priorityLevelConfiguration.name, priorityLevel.metadata?.name);

      const token = await core.createNamespacedServiceAccountToken({
        name: 'agent',
        namespace,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      });
      const asAgent = tokenKubeConfig(admin, token.status?.token ?? '').makeApiClient(k8s.CoreV1Api);
      // The API server's flow-control configuration follows the FlowSchema asynchronously.
      const headers = await eventually('the agent request to be classified by its FlowSchema', async () => {
        const response = await asAgent.listNamespacedPodWithHttpInfo({ namespace });
        return response.headers['x-kubernetes-pf-flowschema-uid'] === flowSchema.metadata?.uid ? response.headers : undefined;
      }, 15_000);
      assert.equal(headers['x-kubernetes-pf-prioritylevel-uid'], priorityLevel.metadata?.uid);

      // The same token, refused where its rules end: the real authentication path agrees with the reviews.
      await expectApiError(asAgent.listNamespacedSecret({ namespace }), 403);
      await expectApiError(asAgent.listNamespacedConfigMap({ namespace: elsewhere }), 403);
      await expectApiError(asAgent.listNode(), 403);
    });
  });

  describe('the operator ServiceAccount', () => {
    const { operatorNamespace, operatorServiceAccount, ceilingClusterRole } = defaultOperatorConfig;
    const operatorMay = (attributes: Attributes): Promise<boolean> => serviceAccountMay(operatorNamespace, operatorServiceAccount, attributes);

    test('holds no escalate, no impersonate, no secrets and no cluster-wide permission ceiling', async () => {
      const denied: Attributes[] = [
        { namespace: '', verb: 'get', resource: 'secrets' },
        { namespace: '', verb: 'list', resource: 'secrets' },
        { namespace: elsewhere, verb: 'get', resource: 'secrets', name: 'openai-api-key' },
        { namespace: '', verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: ceilingClusterRole },
        { namespace, verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'roles', name: 'bulkhead-agent' },
        { namespace: '', verb: 'impersonate', resource: 'users', name: 'admin' },
        { namespace: '', verb: 'impersonate', resource: 'groups', name: 'system:masters' },
        { namespace, verb: 'impersonate', resource: 'serviceaccounts', name: 'agent' },
        { namespace: '', verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cluster-admin' },
        { namespace: '', verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
        // The ceiling is held only inside agent namespaces (RoleBinding bulkhead-operator), never cluster-wide.
        { namespace: '', verb: 'list', resource: 'pods' },
        { namespace: elsewhere, verb: 'get', resource: 'configmaps', name: 'settings' },
        { namespace: elsewhere, verb: 'create', group: 'batch', resource: 'jobs' },
        { namespace, verb: 'create', resource: 'pods', subresource: 'exec', name: 'worker' },
        { namespace: '', verb: 'delete', resource: 'namespaces', name: namespace },
        { namespace: '', verb: 'update', group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicies', name: 'bulkhead-agent-pods' },
      ];
      const granted = [];
      for (const attributes of denied) if (await operatorMay(attributes)) granted.push(describeAttributes(attributes));
      assert.deepEqual(granted, [], 'the operator may not do these');
    });

    test('holds the ceiling inside an agent namespace, and binds only the allowed roles', async () => {
      const allowed: Attributes[] = [
        { namespace, verb: 'get', resource: 'configmaps', name: 'settings' },
        { namespace, verb: 'create', group: 'batch', resource: 'jobs' },
        // It may grant `get` on secrets only because it holds it here (it never holds escalate).
        { namespace, verb: 'get', resource: 'secrets', name: 'openai-api-key' },
        { namespace: '', verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'view' },
        { namespace: '', verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: ceilingClusterRole },
      ];
      for (const attributes of allowed) assert.ok(await operatorMay(attributes), describeAttributes(attributes));
    });
  });
});
