/**
 * The API server's side of the bill: its request counters (/metrics, as the admin), its process CPU, and the latency
 * another client sees. The other client is a plain ServiceAccount, not the admin: the admin's requests are matched
 * by the `exempt` FlowSchema first and never walk the others, so they would hide what many FlowSchemas cost.
 */
import * as k8s from '@kubernetes/client-node';
import { groupSums, mutatingMethods, parseMetrics } from './prometheus.ts';
import { rawClient, type RawClient } from './http.ts';
import { summarize, type Summary } from './stats.ts';

/** apiserver_request_total as "VERB group/resource[/subresource]" -> count. */
export type RequestCounts = Map<string, number>;

export async function apiserverRequestCounts(admin: RawClient): Promise<RequestCounts> {
  const res = await admin.send('GET', '/metrics');
  if (res.status !== 200) throw new Error(`kube-apiserver /metrics answered ${res.status}`);
  const samples = parseMetrics(res.body, new Set(['apiserver_request_total']));
  return groupSums(samples, 'apiserver_request_total', (l) => {
    const resource = `${l['group'] === '' || l['group'] === undefined ? '' : `${l['group']}/`}${l['resource'] ?? ''}${l['subresource'] ? `/${l['subresource']}` : ''}`;
    return `${l['verb'] ?? '?'} ${resource === '' ? '(non-resource)' : resource}`;
  });
}

export const verbOf = (key: string): string => key.slice(0, key.indexOf(' '));
export const isMutatingKey = (key: string): boolean => mutatingMethods.has(verbOf(key));
export const total = (counts: ReadonlyMap<string, number>, where: (key: string) => boolean = () => true): number => {
  let sum = 0;
  for (const [key, value] of counts) if (where(key)) sum += value;
  return sum;
};

/** The probe ServiceAccount: may read namespaces and configmaps and write configmaps in `default`, nothing else. */
const probeAccount = { namespace: 'default', name: 'bench-probe' };

export async function probeToken(admin: k8s.KubeConfig): Promise<string> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: probeAccount.namespace, body: { metadata: { name: probeAccount.name } } });
  await rbac.createClusterRole({
    body: {
      metadata: { name: 'bench-probe' },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create', 'delete'] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'bench-probe' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bench-probe' },
      subjects: [{ kind: 'ServiceAccount', ...probeAccount }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    ...probeAccount,
    body: { spec: { audiences: [], expirationSeconds: 12 * 3600 } },
  });
  const token = request.status?.token;
  if (token === undefined) throw new Error('TokenRequest returned no token for the probe');
  return token;
}

export interface ProbeLatency {
  /** GET of one namespace. */
  readonly get: Summary;
  /** LIST of the configmaps of `default` (a handful). */
  readonly list: Summary;
  /** CREATE of a configmap in `default` (through admission); each is deleted again, untimed. */
  readonly create: Summary;
}

/** `count` requests of each kind, one at a time, interleaved, in milliseconds. */
export async function probeLatency(admin: k8s.KubeConfig, token: string, count: number): Promise<ProbeLatency> {
  const client = await rawClient(admin, token);
  const times = { get: [] as number[], list: [] as number[], create: [] as number[] };
  const timed = async (into: number[], method: string, path: string, body?: unknown): Promise<void> => {
    const start = performance.now();
    const res = await client.send(method, path, body);
    into.push(performance.now() - start);
    if (res.status >= 300) throw new Error(`probe ${method} ${path} answered ${res.status}: ${res.body.slice(0, 200)}`);
  };
  try {
    // Warm the connection and the server's caches for this user (authentication, authorization decisions).
    await client.send('GET', '/api/v1/namespaces/default');
    for (let i = 0; i < count; i++) {
      await timed(times.get, 'GET', '/api/v1/namespaces/default');
      await timed(times.list, 'GET', '/api/v1/namespaces/default/configmaps');
      const name = `bench-probe-${i}`;
      await timed(times.create, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
      await client.send('DELETE', `/api/v1/namespaces/default/configmaps/${name}`);
    }
  } finally {
    client.close();
  }
  return { get: summarize(times.get), list: summarize(times.list), create: summarize(times.create) };
}
