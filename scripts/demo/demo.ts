/**
 * `npm run demo`: Bulkhead's main job, on a real control plane started here. Builds the control plane when it is
 * missing, starts it, installs Bulkhead from charts/bulkhead with real Helm, runs the operator as the chart's
 * ServiceAccount with the chart's settings, applies sample policies, shows what each became, and proves the
 * isolation against the live API server. Stops everything it started, unless `--keep`.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { defaultChartValues } from '../../src/chart/values.ts';
import { helm } from '../../test/support/commands.ts';
import { ensureControlPlaneBinaries } from '../../test/support/control-plane/build.ts';
import { startControlPlane, type ControlPlane } from '../../test/support/control-plane/control-plane.ts';
import { controlPlaneBinaries } from '../../test/support/control-plane/versions.ts';
import { tokenKubeConfig } from '../../test/support/install.ts';
import { startChartOperator, type ChartOperator } from './chart-operator.ts';
import { proveIsolation } from './isolation.ts';
import { applyPolicies, describeEnvelope, waitForPolicy } from './policies.ts';

const usage = `Usage: npm run demo [-- --keep]

Starts a local Kubernetes control plane (built from source on first use), installs Bulkhead with Helm, runs the
operator, applies sample AgentPolicies and proves the isolation they give. Stops everything when done.

  --keep   leave the control plane and the operator running, print the kubeconfig; Ctrl-C stops them
`;

const root = fileURLToPath(new URL('../../', import.meta.url));
const samples = ['minimal', 'typical', 'audit'].map((name) => `manifests/samples/${name}.yaml`);
/** The policy the isolation proof runs against (manifests/samples/typical.yaml). */
const proofPolicy = 'research-assistant';
const releaseNamespace = 'bulkhead-system';

const { values: flags } = parseArgs({ options: { keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (flags.help === true) {
  process.stdout.write(usage);
  process.exit(0);
}

const started = Date.now();
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const detail = (line: string): void => say(`   ${line}`);

const work = mkdtempSync(join(tmpdir(), 'bulkhead-demo-'));
const operatorLog = join(work, 'operator.log');
let controlPlane: ControlPlane | undefined;
let operator: ChartOperator | undefined;

async function stopAll(): Promise<void> {
  await operator?.stop();
  await controlPlane?.stop();
  rmSync(work, { recursive: true, force: true });
}

let interrupted = false;
const interrupt = (): void => {
  if (interrupted) return;
  interrupted = true;
  say('\nStopping the operator and the control plane...');
  void stopAll().finally(() => process.exit(flags.keep === true ? 0 : 130));
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);

async function main(): Promise<boolean> {
  const bins = controlPlaneBinaries();
  say(`Bulkhead demo: isolation envelopes for AI agents on a local Kubernetes v${bins.kubernetesVersion} control plane\n`);

  say('1. Control plane');
  await ensureControlPlaneBinaries((line) => detail(line));
  controlPlane = await startControlPlane({ parentDir: work });
  detail(`etcd v${bins.etcdVersion}, kube-apiserver and kube-controller-manager v${bins.kubernetesVersion} up at ${controlPlane.server} (work dir ${controlPlane.workDir})`);
  const admin = new k8s.KubeConfig();
  admin.loadFromFile(controlPlane.kubeconfigPath);

  say(`2. helm install bulkhead charts/bulkhead --namespace ${releaseNamespace} --create-namespace (Helm v${bins.helmVersion})`);
  const installStart = Date.now();
  await helm(controlPlane.kubeconfigPath, ['install', 'bulkhead', join(root, 'charts/bulkhead'), '--namespace', releaseNamespace, '--create-namespace']);
  const manifest = await helm(controlPlane.kubeconfigPath, ['get', 'manifest', 'bulkhead', '--namespace', releaseNamespace]);
  const kinds = [...manifest.stdout.matchAll(/^kind: (\S+)$/gm)].map((m) => m[1] ?? '');
  detail(`deployed in ${seconds(installStart)}: ${kinds.length} objects (${[...new Set(kinds)].join(', ')})`);

  say('3. Operator');
  operator = await startChartOperator({
    kubeconfigPath: controlPlane.kubeconfigPath,
    namespace: releaseNamespace,
    workDir: work,
    onLine: (line) => appendFileSync(operatorLog, `${line}\n`),
  });
  detail(`running here as ${operator.serviceAccount}, with the chart Deployment's args and environment:`);
  detail(`  bulkhead ${operator.args.join(' ')}`);
  detail(`  ${Object.entries(operator.env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  detail('(no kubelet runs the Deployment\'s own pods here; on a real cluster they run the same command)');

  say(`4. Policies: kubectl apply -f ${samples.join(' -f ')}`);
  const applied = Date.now();
  const names = await applyPolicies(admin, samples.map((s) => join(root, s)));
  let allReady = true;
  for (const name of names) {
    const outcome = await waitForPolicy(admin, name, applied);
    allReady &&= outcome.ready;
    detail(`${name.padEnd(20)} namespace ${outcome.namespace.padEnd(26)} Ready=${outcome.ready ? 'True' : 'False'} (${outcome.reason}) after ${outcome.seconds.toFixed(1)} s`);
    detail(`${''.padEnd(20)} ${outcome.objects.length} objects: ${describeEnvelope(outcome.objects)}`);
  }

  const target = { namespace: `agent-${proofPolicy}`, policy: proofPolicy };
  say(`5. Isolation, proven against the live API server (policy ${proofPolicy}, namespace ${target.namespace})`);
  const proofs = await proveIsolation(
    admin,
    {
      ...target,
      serviceAccount: 'agent',
      runtimeClass: 'gvisor',
      image: 'ghcr.io/acme/research-agent:1.4.2',
      priorityLevel: defaultChartValues.config.priorityLevelName,
    },
    (token) => tokenKubeConfig(admin, token),
  );
  for (const proof of proofs) {
    detail(`${proof.ok ? 'ok  ' : 'FAIL'} ${proof.claim}`);
    detail(`       ${proof.evidence}`);
  }
  return allReady && proofs.every((p) => p.ok);
}

let passed = false;
try {
  passed = await main();
} catch (error) {
  say(`\nThe demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (operator !== undefined) say(`--- operator log ---\n${operator.logs()}`);
}
if (interrupted) await new Promise(() => undefined); // the signal handler is stopping everything and exits
say();
if (flags.keep === true && controlPlane !== undefined) {
  say(`${passed ? 'Done' : 'Finished with failures'} in ${seconds(started)}. Still running (--keep):`);
  say(`  export KUBECONFIG=${controlPlane.kubeconfigPath}`);
  say('  kubectl get agentpolicies');
  say(`  operator log: ${operatorLog}`);
  say('Press Ctrl-C to stop the operator and the control plane.');
  await new Promise(() => undefined); // until a signal
}
await stopAll();
say(`${passed ? 'Done' : 'FAILED'} in ${seconds(started)}; the operator and the control plane are stopped, nothing is left running.`);
process.exitCode = passed ? 0 : 1;
