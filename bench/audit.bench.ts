// The pure part of `bulkhead audit` for many policies: one snapshot of a cluster holding every policy's envelope (as
// desiredState builds it) plus foreign objects (a ClusterRoleBinding naming every tenth agent, a NetworkPolicy, pods
// and Secrets per namespace, bootstrap RBAC), then validate, index, evaluate and print a table, as the CLI does after
// its lists. Prints policies per second per phase. The API side is one list per kind for the whole run plus 19
// SubjectAccessReviews per policy (16 in flight); the integration test prints that time for its cluster.
// Run with `npm run bench`; BENCH_AUDIT_POLICIES=n to resize (default 500).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { agentNamespaceName } from '../src/api/v1alpha1/defaults.ts';
import { indexAuditObjects } from '../src/audit/index.ts';
import type { AuditObjects, Obj } from '../src/audit/objects.ts';
import { selectPolicies } from '../src/audit/policies.ts';
import { auditPolicy } from '../src/audit/report.ts';
import { auditTable } from '../src/cli/audit-output.ts';
import { clusterManifests } from '../src/cluster/manifests.ts';
import { defaultOperatorConfig as config } from '../src/config.ts';
import { desiredState } from '../src/desired/desired-state.ts';
import { parseQuery } from '../src/audit/network-query.ts';

const count = Number(process.env['BENCH_AUDIT_POLICIES'] ?? 500);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const samples = ['typical', 'maximal', 'ipv6', 'secrets', 'minimal'].map(
  (name) => parse(readFileSync(join(root, 'manifests/samples', `${name}.yaml`), 'utf8')) as { metadata: Record<string, unknown>; spec: Record<string, unknown> },
);

const stored = Array.from({ length: count }, (_, i) => {
  const policy = structuredClone(samples[i % samples.length]) as { metadata: Record<string, unknown>; spec: { namespace?: Record<string, unknown> } };
  policy.metadata['name'] = `bench-${i}`;
  policy.metadata['uid'] = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  if (policy.spec.namespace?.['name'] !== undefined) policy.spec.namespace['name'] = `agents-bench-${i}`;
  return policy;
});

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
const rate = (s: number): string => `${Math.round(count / s)} policies/s`.padStart(18);

function snapshotOf(valid: ReturnType<typeof selectPolicies>['valid']): AuditObjects {
  const objects: Record<keyof AuditObjects, Obj[]> = {
    namespaces: [],
    networkPolicies: [],
    roleBindings: [],
    clusterRoleBindings: [
      {
        kind: 'ClusterRoleBinding',
        metadata: { name: 'system:discovery', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
        roleRef: { kind: 'ClusterRole', name: 'system:discovery' },
        subjects: [{ kind: 'Group', name: 'system:authenticated' }],
      } as Obj,
    ],
    roles: [],
    clusterRoles: [{ kind: 'ClusterRole', metadata: { name: 'view' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] } as Obj],
    pods: [],
    secrets: [],
    runtimeClasses: [],
    admissionPolicies: [],
    admissionBindings: [],
  };
  for (const o of clusterManifests(config) as Obj[]) {
    if (o.kind === 'ValidatingAdmissionPolicy') objects.admissionPolicies.push(o);
    if (o.kind === 'ValidatingAdmissionPolicyBinding') objects.admissionBindings.push(o);
  }
  const byKind: Partial<Record<string, keyof AuditObjects>> = {
    Namespace: 'namespaces',
    NetworkPolicy: 'networkPolicies',
    RoleBinding: 'roleBindings',
    Role: 'roles',
    RuntimeClass: 'runtimeClasses',
  };
  const runtimeClasses = new Set<string>();
  valid.forEach((policy, i) => {
    for (const object of desiredState(policy, config) as unknown as Obj[]) {
      const key = byKind[object.kind ?? ''];
      if (key === 'runtimeClasses' && runtimeClasses.has(object.metadata.name)) continue;
      if (key === 'runtimeClasses') runtimeClasses.add(object.metadata.name);
      if (key !== undefined) objects[key].push(object);
    }
    const ns = agentNamespaceName(policy);
    const rc = policy.spec.sandbox.runtimeClass.name;
    const sa = policy.spec.rbac.serviceAccountName;
    for (let p = 0; p < 5; p++) {
      objects.pods.push({ kind: 'Pod', metadata: { name: `worker-${p}`, namespace: ns }, spec: { runtimeClassName: p === 0 && i % 10 === 0 ? undefined : rc, serviceAccountName: sa } } as Obj);
    }
    objects.secrets.push({ kind: 'Secret', metadata: { name: i % 10 === 0 ? 'handmade' : `${sa}-token`, namespace: ns, annotations: i % 10 === 0 ? {} : { 'kubernetes.io/service-account.name': sa } } });
    if (i % 10 === 0) {
      objects.clusterRoleBindings.push({ kind: 'ClusterRoleBinding', metadata: { name: `debug-${i}` }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }] } as Obj);
      objects.networkPolicies.push({ kind: 'NetworkPolicy', metadata: { name: 'debug-egress', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } } as Obj);
    }
  });
  return objects as unknown as AuditObjects;
}

function run(label: string): void {
  let t = process.hrtime.bigint();
  const selected = selectPolicies(stored, [], { namespaces: [], networkPolicies: [], roleBindings: [], clusterRoleBindings: [], roles: [], clusterRoles: [], pods: [], secrets: [], runtimeClasses: [], admissionPolicies: [], admissionBindings: [] }, config);
  const validate = seconds(t);
  if (selected.valid.length !== count) throw new Error(`bench input is not ${count} valid policies: ${JSON.stringify(selected.invalid.slice(0, 2))}`);
  const objects = snapshotOf(selected.valid);
  t = process.hrtime.bigint();
  const index = indexAuditObjects(objects);
  const indexing = seconds(t);
  t = process.hrtime.bigint();
  const query = parseQuery('169.254.169.254:80/TCP');
  const audits = selected.valid.map((policy) => auditPolicy(policy, { config, index, query }));
  const evaluate = seconds(t);
  t = process.hrtime.bigint();
  const text = auditTable({ audits, invalid: [], accessReviews: 0, seconds: 0 });
  const print = seconds(t);
  const weakened = audits.filter((a) => a.widenings > 0).length;
  if (weakened !== Math.ceil(count / 10)) throw new Error(`expected every tenth policy weakened, got ${weakened} of ${count}`);
  const objectCount = Object.values(objects).reduce((n, list: readonly unknown[]) => n + list.length, 0);
  const total = validate + indexing + evaluate + print;
  process.stdout.write(
    `${label}: ${count} policies, ${objectCount} cluster objects -> ${weakened} weakened, ${(text.length / 1e6).toFixed(1)} MB of table in ${total.toFixed(2)} s = ${rate(total).trim()}\n` +
      `    validate  ${validate.toFixed(3)} s ${rate(validate)}\n` +
      `    index     ${indexing.toFixed(3)} s ${rate(indexing)}\n` +
      `    evaluate  ${evaluate.toFixed(3)} s ${rate(evaluate)}\n` +
      `    table     ${print.toFixed(3)} s ${rate(print)}\n`,
  );
}

run('audit warm-up');
run('audit');
