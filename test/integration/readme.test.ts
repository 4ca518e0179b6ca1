/**
 * The README's commands, run verbatim as a newcomer would run them: in a fresh copy of the repository (its files as
 * git knows them, node_modules from this clone), with the pinned helm and kubectl on PATH and KUBECONFIG pointing at a
 * control plane of their own. Every shell command in the README is either run here, in the order a reader follows,
 * or listed below with the reason it is not; a command added to the README without either fails this test. The
 * README's example policy is validated and rendered too. The operator's pods never run without a kubelet, so where
 * the README expects the installed operator to work, the test runs it as the chart's Deployment would
 * (scripts/demo/chart-operator.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { startChartOperator, type ChartOperator } from '../../scripts/demo/chart-operator.ts';
import { run, runOk, type CommandResult } from '../support/commands.ts';
import { startControlPlane, type ControlPlane } from '../support/control-plane/control-plane.ts';
import { controlPlaneBinaries } from '../support/control-plane/versions.ts';
import { eventually } from '../support/cluster.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The commands of the README's sh blocks, continuation lines joined. */
const readmeCommands = [...readme.matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)].flatMap((block) =>
  (block[2] ?? '')
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#')),
);

/** README commands this test does not run, and why. */
const notRun: Record<string, string> = {
  'npm ci && npm run demo': 'test/integration/demo.test.ts runs `npm run demo`; npm ci here would replace node_modules under the running tests',
  'npm ci && npm test': 'this suite is `npm test`, and .ci/run runs exactly this line',
};

/** Every README command the scenarios below run, checked against the README before they run. */
const ran = new Set<string>();

function readmeCommand(command: string): string {
  assert.ok(readmeCommands.includes(command), `the README no longer has: ${command}`);
  ran.add(command);
  return command;
}

/** A fresh copy of the repository's files (tracked and new, not ignored), with this clone's node_modules. */
async function cloneLike(parent: string): Promise<string> {
  const copy = join(parent, 'clone');
  const files = await runOk('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root });
  for (const file of files.stdout.split('\0').filter((f) => f !== '' && existsSync(join(root, f)))) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

interface Shell {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs one README command with bash, verbatim; fails the test unless it exits 0. */
  sh(command: string): Promise<CommandResult>;
}

function shell(dir: string, kubeconfig?: string): Shell {
  const bins = controlPlaneBinaries();
  const env = {
    ...process.env,
    PATH: `${bins.toolsBinDir}:${bins.binDir}:${process.env['PATH'] ?? ''}`,
    ...(kubeconfig === undefined ? {} : { KUBECONFIG: kubeconfig }),
  };
  return {
    dir,
    env,
    async sh(command) {
      const result = await run('bash', ['-c', readmeCommand(command)], { cwd: dir, env, timeoutMs: 180_000 });
      assert.equal(result.code, 0, `${command}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
      return result;
    },
  };
}

/** Runs `kubectl get agentpolicies` (verbatim) until the policy shows Ready True. */
async function untilReady(s: Shell, policy: string): Promise<string> {
  return eventually(`${policy} Ready in kubectl get agentpolicies`, async () => {
    const out = (await s.sh('kubectl get agentpolicies')).stdout;
    return new RegExp(`^${policy}\\s+\\S+\\s+\\S+\\s+True\\s+Reconciled`, 'm').test(out) ? out : undefined;
  });
}

describe('the README', () => {
  const work = mkdtempSync(join(tmpdir(), 'bulkhead-readme-'));
  let clone: string;

  before(async () => {
    clone = await cloneLike(work);
  });

  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  test('the command line, from a clone', async () => {
    const s = shell(clone);
    assert.match((await s.sh('npm run bulkhead -- --help')).stdout, /Usage: bulkhead <command>/);
    assert.match((await s.sh('npm run bulkhead -- validate -f manifests/samples/')).stdout, /\d+ policies valid/);
    assert.match((await s.sh('npm run bulkhead -- render -f manifests/samples/typical.yaml')).stdout, /kind: NetworkPolicy/);
    assert.match((await s.sh('npm run bulkhead -- crd')).stdout, /kind: CustomResourceDefinition/);
    await s.sh('mkdir -p rendered && npm run --silent bulkhead -- render -f manifests/samples/ > rendered/envelopes.yaml');
    const rendered = parseAllDocuments(readFileSync(join(clone, 'rendered/envelopes.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string });
    assert.ok(rendered.filter((o) => o.kind === 'Namespace').length >= 7, 'one namespace per sample policy');
  });

  test('sealing a secret into a policy file, offline with the controller\'s certificate', async () => {
    // What `kubeseal --fetch-cert` saves: the controller's self-signed RSA certificate (here a fresh one).
    await runOk('openssl', ['req', '-x509', '-newkey', 'rsa:4096', '-nodes', '-keyout', join(work, 'sealing.key'), '-out', join(clone, 'sealing.pem'), '-days', '30', '-subj', '/O=sealed-secret']);
    const s = shell(clone);
    const secret = 'sk-readme-test-value';
    await s.sh('cp manifests/samples/typical.yaml my-agent.yaml');
    const sealed = await run('bash', ['-c', readmeCommand('printf %s "$OPENAI_API_KEY" | npm run --silent bulkhead -- seal -f my-agent.yaml --secret openai-api-key --from-file OPENAI_API_KEY=- --cert sealing.pem --in-place')], {
      cwd: clone,
      env: { ...s.env, OPENAI_API_KEY: secret },
    });
    assert.equal(sealed.code, 0, sealed.stderr);
    const policy = readFileSync(join(clone, 'my-agent.yaml'), 'utf8');
    assert.match(policy, /- name: openai-api-key\n\s+type: Opaque\n\s+encryptedData:\n\s+OPENAI_API_KEY: Ag[A-Za-z0-9+/=]{100,}/);
    assert.ok(!policy.includes(secret) && !sealed.stdout.includes(secret) && !sealed.stderr.includes(secret), 'no plaintext anywhere');
    assert.match((await runOk('npm', ['run', 'bulkhead', '--', 'validate', '-f', 'my-agent.yaml'], { cwd: clone })).stdout, /1 policy valid/);
  });

  test('the example policy is valid and renders', async () => {
    const example = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '').find((y) => /^kind: AgentPolicy$/m.test(y));
    assert.ok(example !== undefined, 'the README has an example AgentPolicy');
    await runOk('npm', ['run', 'bulkhead', '--', 'validate', '-f', '-'], { cwd: clone, input: example });
    const rendered = await runOk('npm', ['run', '--silent', 'bulkhead', '--', 'render', '-f', '-'], { cwd: clone, input: example });
    for (const kind of ['Namespace', 'NetworkPolicy', 'RuntimeClass', 'Role', 'FlowSchema', 'ResourceQuota', 'SealedSecret']) {
      assert.match(rendered.stdout, new RegExp(`^kind: ${kind}$`, 'm'), kind);
    }
  });

  describe('on a cluster', () => {
    let controlPlane: ControlPlane | undefined;
    let operator: ChartOperator | undefined;

    const freshCluster = async (): Promise<Shell> => {
      await operator?.stop();
      operator = undefined;
      await controlPlane?.stop();
      controlPlane = await startControlPlane({ parentDir: work });
      return shell(clone, controlPlane.kubeconfigPath);
    };
    /** What a kubelet would do on a real cluster: run the installed operator as its Deployment says. */
    const runInstalledOperator = async (): Promise<void> => {
      operator = await startChartOperator({ kubeconfigPath: controlPlane?.kubeconfigPath ?? '', namespace: 'bulkhead-system', workDir: work });
    };

    /** On a fresh cluster: the README's install command, the installed operator running, the sample policy Ready. */
    const installAndApply = async (install: string): Promise<Shell> => {
      const s = await freshCluster();
      await s.sh(install);
      await runInstalledOperator();
      await s.sh('kubectl apply -f manifests/samples/typical.yaml');
      await untilReady(s, 'research-assistant');
      return s;
    };

    after(async () => {
      await operator?.stop();
      await controlPlane?.stop();
    });

    test('install with Helm, apply a policy, upgrade, uninstall', async () => {
      const s = await installAndApply('helm install bulkhead charts/bulkhead --namespace bulkhead-system --create-namespace');
      await s.sh('helm upgrade bulkhead charts/bulkhead --namespace bulkhead-system --set logLevel=debug');
      await s.sh('kubectl delete agentpolicies --all --wait');
      await operator?.stop();
      operator = undefined;
      await s.sh('helm uninstall bulkhead --namespace bulkhead-system');
      await s.sh('kubectl delete customresourcedefinition agentpolicies.bulkhead.dev');
      await s.sh('kubectl delete namespace bulkhead-system');
      const left = await runOk('kubectl', ['get', 'clusterroles,validatingadmissionpolicies,prioritylevelconfigurations,customresourcedefinitions', '-l', 'app.kubernetes.io/name=bulkhead', '-o', 'name'], { env: s.env });
      assert.equal(left.stdout.trim(), '', 'nothing of Bulkhead is left');
    });

    test('install with kubectl', async () => {
      const s = await installAndApply('kubectl apply --server-side -f manifests/install.yaml');
      const deployment = await runOk('kubectl', ['get', 'deployment', 'bulkhead', '--namespace', 'bulkhead-system', '-o', 'name'], { env: s.env });
      assert.equal(deployment.stdout.trim(), 'deployment.apps/bulkhead');
    });

    test('run the operator from a clone, as its ServiceAccount', async () => {
      const s = await freshCluster();
      await s.sh('helm install bulkhead charts/bulkhead --namespace bulkhead-system --create-namespace --set replicaCount=0');
      await s.sh('kubectl create token bulkhead --namespace bulkhead-system --duration=24h > bulkhead.token');
      const controller = spawn('bash', ['-c', readmeCommand('npm run bulkhead -- controller --token-file bulkhead.token')], {
        cwd: clone,
        env: s.env,
        detached: true, // its own process group: npm, bash and node stop together
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      controller.stdout.on('data', (c: Buffer) => (output += c.toString()));
      controller.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number | null>((resolve) => controller.once('exit', resolve));
      try {
        await eventually('the controller to start as the operator ServiceAccount', async () =>
          /running as the operator ServiceAccount/.test(output) ? true : undefined,
        );
        await s.sh('kubectl apply -f manifests/samples/typical.yaml');
        await untilReady(s, 'research-assistant');
        assert.doesNotMatch(output, /not as the operator's ServiceAccount/);
      } finally {
        if (controller.pid !== undefined) process.kill(-controller.pid, 'SIGTERM');
        await exited;
      }
    });
  });

  test('every shell command of the README is run above or listed with the reason it is not', () => {
    const unaccounted = readmeCommands.filter((c) => !ran.has(c) && notRun[c] === undefined);
    assert.deepEqual(unaccounted, []);
    for (const command of Object.keys(notRun)) assert.ok(readmeCommands.includes(command), `not in the README any more: ${command}`);
  });
});
