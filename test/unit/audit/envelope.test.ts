import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentNamespaceName } from '../../../src/api/v1alpha1/defaults.ts';
import { indexAuditObjects } from '../../../src/audit/index.ts';
import type { Binding, Pod, SecretMeta } from '../../../src/audit/objects.ts';
import { auditPolicy, isolationFindings } from '../../../src/audit/report.ts';
import { clusterWith, config, samplePolicy } from './fixtures.ts';

const policy = samplePolicy('typical.yaml');
const ns = 'agent-research-assistant';
const wideningsOf = (objects: Parameters<typeof indexAuditObjects>[0]) =>
  auditPolicy(policy, { config, index: indexAuditObjects(objects) }).findings.filter((f) => f.verdict === 'widening');
const widenings = (objects: Parameters<typeof indexAuditObjects>[0]): string[] =>
  wideningsOf(objects).map((f) => `${f.reason} ${f.object?.kind} ${f.object?.namespace ?? ''}/${f.object?.name}`);

const crb = (name: string, role: string, subject: Binding['subjects']): Binding => ({
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: subject ?? [],
});
const agentSubject = [{ kind: 'ServiceAccount', name: 'agent', namespace: ns }];

test('an envelope exactly as desired has no widening, and every aspect reports what is expected', () => {
  assert.deepEqual(widenings(clusterWith(policy)), []);
  const audit = auditPolicy(policy, { config, index: indexAuditObjects(clusterWith(policy)) });
  assert.equal(audit.widenings, 0);
  for (const aspect of ['network', 'identity', 'runtime'] as const) {
    assert.ok(audit.findings.some((f) => f.aspect === aspect && f.verdict === 'expected'), aspect);
  }
  const bindings = audit.identity.bindings.map((b) => `${b.binding.name} ${b.reason}`);
  assert.deepEqual(bindings, ['system:discovery KubernetesDefault', 'bulkhead-agent Expected', 'bulkhead-agent-view Expected']);
});

describe('identity', () => {
  test('a ClusterRoleBinding granting view cluster-wide to the agent is a ForeignBinding naming it', () => {
    const objects = clusterWith(policy, { clusterRoleBindings: [crb('agent-view', 'view', agentSubject)] });
    assert.deepEqual(widenings(objects), ['ForeignBinding ClusterRoleBinding /agent-view']);
    const audit = auditPolicy(policy, { config, index: indexAuditObjects(objects) });
    const view = audit.identity.bindings.find((b) => b.binding.name === 'agent-view');
    assert.equal(view?.scope, 'cluster-wide');
    assert.equal(view?.via, `ServiceAccount ${ns}/agent`);
    assert.deepEqual(view?.rules, ['get, list, watch pods, configmaps (core)']);
  });

  test('the agent is named through its groups and its user name too', () => {
    const objects = clusterWith(policy, {
      clusterRoleBindings: [crb('all-sa', 'view', [{ kind: 'Group', name: 'system:serviceaccounts' }])],
      roleBindings: [
        {
          kind: 'RoleBinding',
          metadata: { name: 'prod-access', namespace: 'prod' },
          roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'User', name: `system:serviceaccount:${ns}:agent` }],
        },
        {
          kind: 'RoleBinding',
          metadata: { name: 'ns-group', namespace: ns },
          roleRef: { kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'Group', name: `system:serviceaccounts:${ns}` }],
        },
        // Another ServiceAccount of the same name elsewhere is not the agent.
        {
          kind: 'RoleBinding',
          metadata: { name: 'other', namespace: 'other' },
          roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: 'agent' }],
        },
      ],
    });
    assert.deepEqual(widenings(objects), [
      'ForeignBinding ClusterRoleBinding /all-sa',
      `ForeignBinding RoleBinding ${ns}/ns-group`,
      'ForeignBinding RoleBinding prod/prod-access',
    ]);
  });

  test('a policy binding whose role was swapped is no longer expected', () => {
    const objects = clusterWith(policy);
    const swapped = {
      ...objects,
      roleBindings: objects.roleBindings.map((b) => (b.metadata.name === 'bulkhead-agent-view' ? { ...b, roleRef: { ...b.roleRef, name: 'cluster-admin' } } : b)),
    };
    assert.deepEqual(widenings(swapped), [`ForeignBinding RoleBinding ${ns}/bulkhead-agent-view`]);
  });

  test('the access matrix: expected from the policy bindings; an allowed answer nobody expects is a widening naming the binding', () => {
    const objects = clusterWith(policy, { clusterRoleBindings: [crb('agent-admin', 'cluster-admin', agentSubject)] });
    const decisions = new Map([[policy.metadata.name, new Map([['secrets-elsewhere', true], ['nodes-list', true], ['pods-exec-own', false]])]]);
    const audit = auditPolicy(policy, { config, index: indexAuditObjects(objects), decisions });
    const row = (id: string) => audit.identity.access.find((r) => r.id === id);
    assert.deepEqual(row('secrets-elsewhere'), {
      id: 'secrets-elsewhere',
      action: 'get secrets in kube-system',
      allowed: true,
      expected: false,
      grantedBy: { kind: 'ClusterRoleBinding', name: 'agent-admin' },
    });
    assert.equal(row('pods-exec-own')?.allowed, false);
    assert.equal(row('namespaces-list')?.allowed, undefined, 'not asked');
    const access = audit.findings.filter((f) => f.reason === 'AccessWidened').map((f) => f.message);
    assert.deepEqual(access, [
      'ClusterRoleBinding agent-admin: the agent may get secrets in kube-system',
      'ClusterRoleBinding agent-admin: the agent may list nodes cluster-wide',
    ]);
  });

  test('an allowed answer no visible binding explains names the ServiceAccount', () => {
    const decisions = new Map([[policy.metadata.name, new Map([['impersonate-users', true]])]]);
    const audit = auditPolicy(policy, { config, index: indexAuditObjects(clusterWith(policy)), decisions });
    const finding = audit.findings.find((f) => f.reason === 'AccessWidened');
    assert.deepEqual(finding?.object, { kind: 'ServiceAccount', namespace: ns, name: 'agent' });
    assert.match(finding?.message ?? '', /another authorizer allows it/);
  });
});

describe('runtime', () => {
  const pod = (name: string, spec: Pod['spec'], phase = 'Pending'): Pod => ({ kind: 'Pod', metadata: { name, namespace: ns }, spec, status: { phase } });

  test('pods off the runtime class, as another ServiceAccount or on the host network are UnsandboxedPod; finished pods are not', () => {
    const objects = clusterWith(policy, {
      pods: [
        pod('good', { runtimeClassName: 'gvisor', serviceAccountName: 'agent' }),
        pod('plain', { serviceAccountName: 'agent' }),
        pod('default-sa', { runtimeClassName: 'gvisor', hostNetwork: true }),
        pod('done', {}, 'Succeeded'),
      ],
    });
    assert.deepEqual(widenings(objects), [`UnsandboxedPod Pod ${ns}/plain`, `UnsandboxedPod Pod ${ns}/default-sa`]);
    const messages = isolationFindings(policy, config, indexAuditObjects(objects)).map((f) => f.message);
    assert.match(messages[0] ?? '', /runs on no RuntimeClass \(the node default runtime\), not gvisor/);
    assert.match(messages[1] ?? '', /runs as ServiceAccount default, not agent; shares the host network namespace/);
  });

  test('a RuntimeClass with another handler, a weakened Pod Security label, a missing or edited admission object', () => {
    const objects = clusterWith(policy);
    const tampered = {
      ...objects,
      runtimeClasses: objects.runtimeClasses.map((r) => ({ ...r, handler: 'runc' })),
      namespaces: objects.namespaces.map((n) =>
        n.metadata.name === ns ? { ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, 'pod-security.kubernetes.io/enforce': 'privileged' } } } : n,
      ),
      admissionPolicies: objects.admissionPolicies.map((p) =>
        p.metadata.name === 'bulkhead-agent-pods' ? { ...p, spec: { ...p.spec, validations: [{ expression: 'true' }] } } : p,
      ),
      admissionBindings: [],
    };
    const found = widenings(tampered);
    assert.ok(found.includes('RuntimeClassMismatch RuntimeClass /gvisor'), found.join('\n'));
    assert.ok(found.includes(`NamespaceWeakened Namespace /${ns}`), found.join('\n'));
    assert.ok(found.includes('AdmissionWeakened ValidatingAdmissionPolicy /bulkhead-agent-pods'), found.join('\n'));
    assert.ok(found.some((f) => f.startsWith('AdmissionWeakened ValidatingAdmissionPolicyBinding')), found.join('\n'));
    const message = wideningsOf(tampered).find((f) => f.object?.kind === 'Namespace')?.message;
    assert.deepEqual(isolationFindings(policy, config, indexAuditObjects(tampered)), [], 'the envelope objects are the reconciler\'s to report and repair');
    assert.match(message ?? '', /pod-security\.kubernetes\.io\/enforce=privileged instead of restricted/);
  });

  test('admission objects as the API server stores them (with its defaults) compare equal', () => {
    const objects = clusterWith(policy);
    const defaulted = {
      ...objects,
      admissionBindings: objects.admissionBindings.map((b) => ({
        ...b,
        spec: { ...b.spec, matchResources: { ...(b.spec?.['matchResources'] as object), matchPolicy: 'Equivalent', objectSelector: {} } },
      })),
    };
    assert.deepEqual(widenings(defaulted), []);
    const narrowed = {
      ...objects,
      admissionBindings: objects.admissionBindings.map((b) => ({
        ...b,
        spec: { ...b.spec, matchResources: { ...(b.spec?.['matchResources'] as object), objectSelector: { matchLabels: { audited: 'yes' } } } },
      })),
    };
    assert.match(widenings(narrowed).join('\n'), /AdmissionWeakened ValidatingAdmissionPolicyBinding/);
  });
});

describe('secrets', () => {
  const secret = (name: string, extra: Partial<SecretMeta['metadata']> = {}): SecretMeta => ({ kind: 'Secret', metadata: { name, namespace: ns, ...extra } });
  const sealedOwner = (name: string) => [{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name, uid: 'u' }];
  const withSecrets = samplePolicy('secrets.yaml');
  const secretsNs = agentNamespaceName(withSecrets);

  test('a hand-written Secret is a ForeignSecret; a ServiceAccount token Secret is left out', () => {
    const objects = clusterWith(policy, {
      secrets: [secret('handmade'), secret('agent-token', { annotations: { 'kubernetes.io/service-account.name': 'agent' } })],
    });
    assert.deepEqual(widenings(objects), [`ForeignSecret Secret ${ns}/handmade`]);
  });

  test('Secrets unsealed from the policy SealedSecrets are expected; from another SealedSecret, foreign', () => {
    const names = withSecrets.spec.secrets.map((s) => s.name);
    assert.ok(names.length > 0);
    const objects = clusterWith(withSecrets, {
      secrets: [
        ...names.map((n) => ({ kind: 'Secret', metadata: { name: n, namespace: secretsNs, ownerReferences: sealedOwner(n) } })),
        { kind: 'Secret', metadata: { name: 'smuggled', namespace: secretsNs, ownerReferences: sealedOwner('smuggled') } },
      ],
    });
    const found = isolationFindings(withSecrets, config, indexAuditObjects(objects));
    assert.deepEqual(found.map((f) => `${f.reason} ${f.object?.name}`), ['ForeignSecret smuggled']);
    assert.match(found[0]?.message ?? '', /produced by SealedSecret smuggled, which the policy does not name/);
  });
});
