/**
 * The demo's proof of isolation, made against the live API server for one agent namespace: pods that break the
 * sandbox rules are refused at admission (the ones that follow them are admitted, so the refusals are not a broken
 * cluster), the agent's own token cannot read another namespace's secrets, and its requests are classified into the
 * throttled priority level. Pods are created as server-side dry runs: admission runs in full, nothing is stored.
 */
import * as k8s from '@kubernetes/client-node';

export interface Proof {
  readonly claim: string;
  readonly ok: boolean;
  readonly evidence: string;
}

export interface IsolationTarget {
  readonly namespace: string;
  readonly policy: string;
  readonly serviceAccount: string;
  readonly runtimeClass: string;
  readonly image: string;
  readonly priorityLevel: string;
}

/** A pod Pod Security `restricted` admits: only the field under test differs between the demo's pods. */
function pod(target: IsolationTarget, name: string, changes: { runtimeClassName?: string; privileged?: boolean }): k8s.V1Pod {
  const container: k8s.V1Container = {
    name: 'agent',
    image: target.image,
    securityContext: changes.privileged
      ? { privileged: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } }
      : { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
  };
  return {
    metadata: { name },
    spec: {
      serviceAccountName: target.serviceAccount,
      automountServiceAccountToken: false,
      ...(changes.runtimeClassName === undefined ? {} : { runtimeClassName: changes.runtimeClassName }),
      containers: [container],
    },
  };
}

function apiMessage(error: unknown): string {
  if (!(error instanceof k8s.ApiException)) return error instanceof Error ? error.message : String(error);
  try {
    return String((JSON.parse(String(error.body)) as { message?: string }).message);
  } catch {
    return String(error.body);
  }
}

/** Retries until `check` gives a verdict: admission bindings and RBAC reach the API server's caches asynchronously. */
async function settle<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const verdict = await check();
    if (verdict !== undefined || Date.now() > deadline) return verdict;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function refusedPod(core: k8s.CoreV1Api, namespace: string, body: k8s.V1Pod, expected: RegExp): Promise<string | undefined> {
  return settle(async () => {
    try {
      await core.createNamespacedPod({ namespace, body, dryRun: 'All' });
      return undefined; // admitted: the admission binding may not be active yet
    } catch (error) {
      const message = apiMessage(error);
      return expected.test(message) ? message : undefined;
    }
  });
}

export async function proveIsolation(admin: k8s.KubeConfig, target: IsolationTarget, tokenKubeConfig: (token: string) => k8s.KubeConfig): Promise<Proof[]> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const proofs: Proof[] = [];
  const namespace = target.namespace;

  const unsandboxed = await refusedPod(core, namespace, pod(target, 'unsandboxed', {}), /RuntimeClass/);
  proofs.push({
    claim: 'a pod without the sandbox RuntimeClass is rejected',
    ok: unsandboxed !== undefined,
    evidence: unsandboxed ?? 'it was admitted',
  });
  const privileged = await refusedPod(core, namespace, pod(target, 'privileged', { runtimeClassName: target.runtimeClass, privileged: true }), /PodSecurity/);
  proofs.push({ claim: 'a privileged pod is rejected', ok: privileged !== undefined, evidence: privileged ?? 'it was admitted' });
  let admitted = 'admitted (dry run; without a kubelet it would stay Pending)';
  try {
    await core.createNamespacedPod({ namespace, body: pod(target, 'sandboxed', { runtimeClassName: target.runtimeClass }), dryRun: 'All' });
  } catch (error) {
    admitted = `refused: ${apiMessage(error)}`;
  }
  proofs.push({ claim: `a pod on RuntimeClass ${target.runtimeClass} that follows the rules is admitted`, ok: admitted.startsWith('admitted'), evidence: admitted });

  // Another team's namespace with a secret in it, as an admin would have it.
  const other = 'team-billing';
  await core.createNamespace({ body: { metadata: { name: other } } });
  await core.createNamespacedSecret({ namespace: other, body: { metadata: { name: 'payments-api-key' }, stringData: { key: 'not-for-agents' } } });
  const user = `system:serviceaccount:${namespace}:${target.serviceAccount}`;
  const review = await admin.makeApiClient(k8s.AuthorizationV1Api).createSubjectAccessReview({
    body: {
      spec: {
        user,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes: { namespace: other, verb: 'get', resource: 'secrets', name: 'payments-api-key' },
      },
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    name: target.serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const asAgent = tokenKubeConfig(token.status?.token ?? '').makeApiClient(k8s.CoreV1Api);
  let read = 'it read the secret';
  try {
    await asAgent.readNamespacedSecret({ namespace: other, name: 'payments-api-key' });
  } catch (error) {
    read = error instanceof k8s.ApiException ? `HTTP ${error.code}: ${apiMessage(error)}` : apiMessage(error);
  }
  proofs.push({
    claim: "the agent cannot read another namespace's secrets",
    ok: review.status?.allowed === false && read.startsWith('HTTP 403'),
    evidence: `SubjectAccessReview allowed=${review.status?.allowed}; with its own token: ${read}`,
  });

  // API Priority and Fairness names the FlowSchema and priority level that classified each request.
  const flowcontrol = admin.makeApiClient(k8s.FlowcontrolApiserverV1Api);
  const flowSchema = await flowcontrol.readFlowSchema({ name: `bulkhead-${target.policy}` });
  const priorityLevel = await flowcontrol.readPriorityLevelConfiguration({ name: target.priorityLevel });
  const headers = await settle(async () => {
    const response = await asAgent.listNamespacedPodWithHttpInfo({ namespace });
    return response.headers['x-kubernetes-pf-flowschema-uid'] === flowSchema.metadata?.uid ? response.headers : undefined;
  }, 15_000);
  const classified = headers?.['x-kubernetes-pf-prioritylevel-uid'] === priorityLevel.metadata?.uid;
  proofs.push({
    claim: "the agent's API requests are throttled",
    ok: classified,
    evidence: classified
      ? `X-Kubernetes-PF-FlowSchema-UID names FlowSchema ${flowSchema.metadata?.name}, X-Kubernetes-PF-PriorityLevel-UID names priority level ${priorityLevel.metadata?.name} (${priorityLevel.spec?.limited?.nominalConcurrencyShares} shares, lends and borrows nothing)`
      : `requests were classified elsewhere: ${JSON.stringify(headers ?? {})}`,
  });
  return proofs;
}
