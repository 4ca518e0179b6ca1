/**
 * Installs Bulkhead's cluster-level pieces on the test control plane, as an admin would with kubectl: the CRD, then
 * the cluster manifests (operator identity and RBAC, ceiling, priority level, admission policies). Idempotent
 * (server-side apply), so every test file may call it. Returns a KubeConfig that acts as the operator's own
 * ServiceAccount, with a real token from the TokenRequest API: tests run the operator with exactly its RBAC.
 */
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { clusterManifests, operatorGuardName, tamperProtectionName } from '../../src/cluster/manifests.ts';
import { defaultOperatorConfig, type OperatorConfig } from '../../src/config.ts';
import { crdPath } from '../../src/crd/agent-policy-crd.ts';
import { serverSideApply, type ApplyObject } from '../../src/kube/apply.ts';
import { eventually } from './cluster.ts';

const installer = { fieldManager: 'bulkhead-test-installer' };

export async function applyAsAdmin(kc: k8s.KubeConfig, objects: readonly object[]): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) await serverSideApply(api, object as ApplyObject, installer);
}

export async function installCrd(kc: k8s.KubeConfig): Promise<void> {
  const crd = parseAllDocuments(readFileSync(new URL(`../../${crdPath}`, import.meta.url), 'utf8')).map((d) => d.toJS() as object);
  await applyAsAdmin(kc, crd);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  await eventually('the AgentPolicy CRD to be established', async () => {
    const read = await ext.readCustomResourceDefinition({ name: 'agentpolicies.bulkhead.dev' });
    return read.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
}

export interface InstallOptions {
  readonly config?: OperatorConfig;
  /**
   * Tamper protection denies every hand edit of the envelope, also the admin's. Tests of drift repair install without
   * its binding ("an admin with the policy switched off"); the tamper-protection test turns it on.
   */
  readonly tamperProtection?: boolean;
  /**
   * The operator guard (src/cluster/operator-guard.ts) is on by default, as installed. Tests that prove what the
   * reconciler itself does, without that second line of defence, switch its binding off.
   */
  readonly operatorGuard?: boolean;
}

export async function installBulkhead(kc: k8s.KubeConfig, options: InstallOptions = {}): Promise<void> {
  await installCrd(kc);
  const config = options.config ?? defaultOperatorConfig;
  const off = [
    ...(options.tamperProtection === true ? [] : [tamperProtectionName]),
    ...(options.operatorGuard === false ? [operatorGuardName] : []),
  ];
  const objects = clusterManifests(config).filter((o) => !isBindingOf(o as ApplyObject, off));
  await applyAsAdmin(kc, objects);
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  for (const name of off) {
    await admission.deleteValidatingAdmissionPolicyBinding({ name }).catch((error: unknown) => {
      if (!(error instanceof k8s.ApiException) || error.code !== 404) throw error;
    });
  }
}

function isBindingOf(object: ApplyObject, names: readonly string[]): boolean {
  return object.kind === 'ValidatingAdmissionPolicyBinding' && names.includes(object.metadata.name);
}

/** A KubeConfig authenticated as the operator's ServiceAccount with a fresh token (1 hour). */
export async function operatorKubeConfig(admin: k8s.KubeConfig, config: OperatorConfig = defaultOperatorConfig): Promise<k8s.KubeConfig> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name: config.operatorServiceAccount,
    namespace: config.operatorNamespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (token === undefined) throw new Error('TokenRequest returned no token');
  return tokenKubeConfig(admin, token);
}

/** A KubeConfig for the admin's cluster that authenticates with a bearer token (some ServiceAccount's). */
export function tokenKubeConfig(admin: k8s.KubeConfig, token: string): k8s.KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (cluster === null) throw new Error('the admin kubeconfig has no current cluster');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'token', token }],
    contexts: [{ name: 'token', cluster: cluster.name, user: 'token' }],
    currentContext: 'token',
  });
  return kc;
}
