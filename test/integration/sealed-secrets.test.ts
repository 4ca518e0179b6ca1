/**
 * Credentials end to end with the real Sealed Secrets controller (v0.36.6) on the test control plane: values sealed
 * by `bulkhead seal` (run as a process) come out of the controller equal to the originals; kubeseal's output is
 * carried through unchanged; a value sealed for another namespace, or a Secret Bulkhead did not create, makes
 * SecretsSynced False with the controller's own message; the certificate can be fetched through the API server's
 * service proxy; the CRD installed after the operator started is noticed within seconds; a rotation the controller
 * has not processed is never reported as synced; and a distinctive plaintext appears in no log line, Event, status,
 * rendered output or `bulkhead seal` output.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { createLogger } from '../../src/observability/logger.ts';
import { adminKubeConfig, eventually, testKubeconfigPath, uniqueName } from '../support/cluster.ts';
import { startReaper } from '../support/control-plane/control-plane.ts';
import { controlPlaneBinaries } from '../support/control-plane/versions.ts';
import { PolicyClient, readObject, startTestOperator, type TestOperator } from '../support/operator.ts';
import { installSealedSecretsCrd, startSealedSecretsController, uninstallSealedSecretsCrd, type SealedSecretsController } from '../support/sealed-secrets.ts';
import { createSealingKey } from '../support/sealing-keys.ts';

const admin = adminKubeConfig();
const core = admin.makeApiClient(k8s.CoreV1Api);
const policies = new PolicyClient(admin);
const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

const run = uniqueName('seal');
const policyName = run;
const namespace = `agent-${run}`;
/** Distinctive plaintexts: none may appear anywhere but in the unsealed Secrets. */
const canary = `canary-${randomBytes(12).toString('hex')}`;
const rotatedCanary = `rotated-${randomBytes(12).toString('hex')}`;
const plaintexts = [canary, rotatedCanary];

const key = createSealingKey();
const dir = mkdtempSync(join(tmpdir(), 'bulkhead-sealed-secrets-test-'));
startReaper(dir); // removes it even if this process dies without running its hooks
const certFile = join(dir, 'cert.pem');
writeFileSync(certFile, key.certificatePem);
const policyFile = join(dir, 'policy.yaml');
writeFileSync(
  policyFile,
  `# An agent with one model key; bulkhead seal adds the ciphertext below.
apiVersion: bulkhead.dev/v1alpha1
kind: AgentPolicy
metadata:
  name: ${policyName}
spec:
  rbac:
    rules:
      - apiGroups: [""]
        resources: [secrets]
        verbs: [get]
        resourceNames: [openai]   # the agent may read this one Secret through the API
  secrets: []
`,
);

/** Everything any `bulkhead` or `kubeseal` process printed, for the leak check. */
const outputs: string[] = [];
/** The operator's pino output, one JSON line each. */
const logLines: string[] = [];

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(command: string, args: readonly string[], stdin: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: testKubeconfigPath() } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      outputs.push(stdout, stderr);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/** `bulkhead <args>` as a process, the way a user runs it; fails the test on a non-zero exit. */
async function bulkhead(args: readonly string[], stdin = ''): Promise<Ran> {
  const ran = await runProcess(process.execPath, [main, ...args], stdin);
  assert.equal(ran.status, 0, `bulkhead ${args.join(' ')}: ${ran.stderr}`);
  return ran;
}

interface SecretEntry {
  name: string;
  type?: string;
  encryptedData: Record<string, string>;
}

const fileSecrets = (): SecretEntry[] => (parse(readFileSync(policyFile, 'utf8')) as { spec: { secrets: SecretEntry[] } }).spec.secrets;
const printedEntry = (ran: Ran): SecretEntry => (parse(ran.stdout) as { secrets: SecretEntry[] }).secrets[0] as SecretEntry;

/** Writes the policy's secrets as given (a JSON merge patch replaces the list) and returns the new generation. */
async function setSecrets(secrets: SecretEntry[]): Promise<number> {
  return (await policies.patchSpec(policyName, { secrets })).metadata.generation;
}

async function secretData(name: string): Promise<Record<string, string> | undefined> {
  try {
    const secret = await core.readNamespacedSecret({ name, namespace });
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  } catch (error) {
    if (error instanceof k8s.ApiException && error.code === 404) return undefined;
    throw error;
  }
}

const sealedSecretRef = (name: string) => ({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name, namespace });

describe('sealed secrets with the real controller', { timeout: 180_000 }, () => {
  let operator: TestOperator | undefined;
  let controller: SealedSecretsController | undefined;

  before(async () => {
    await uninstallSealedSecretsCrd(admin); // a previous run on a reused control plane must not leave it served
    const destination = { write: (line: string) => void logLines.push(line) };
    operator = await startTestOperator(admin, { kindDiscoveryMs: 1_000, log: createLogger({ level: 'debug', destination }) });
  });

  after(async () => {
    // Every step runs even when an earlier one fails; the first failure is reported.
    const steps = [
      async () => {
        await policies.delete(policyName).catch(() => undefined);
        await policies.waitGone(policyName);
      },
      async () => operator?.stop(),
      async () => controller?.remove(),
      async () => uninstallSealedSecretsCrd(admin),
      async () => rmSync(dir, { recursive: true, force: true }),
    ];
    const failures: unknown[] = [];
    for (const step of steps) await step().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  });

  test('sealed before Sealed Secrets exists, the policy says SealedSecretsUnavailable; the CRD installed later is noticed within seconds', async () => {
    const sealed = await bulkhead(
      ['seal', '-f', policyFile, '--secret', 'openai', '--cert', certFile, '--from-file', 'OPENAI_API_KEY=-', '--in-place'],
      canary,
    );
    assert.match(sealed.stderr, new RegExp(`sealed OPENAI_API_KEY for ${namespace}/openai \\(strict scope\\)`));
    await bulkhead(['seal', '-f', policyFile, '--secret', 'openai', '--cert', certFile, '--from-env-file', '-', '--in-place'], 'ORG=acme\nPROJECT=agents\n');
    const file = readFileSync(policyFile, 'utf8');
    assert.match(file, /^# An agent with one model key/);
    assert.match(file, /resourceNames: \[openai\] # the agent may read this one Secret through the API/);
    assert.deepEqual(Object.keys(fileSecrets()[0]?.encryptedData ?? {}), ['OPENAI_API_KEY', 'ORG', 'PROJECT']);

    await policies.create(policyName, (parse(file) as { spec: Record<string, unknown> }).spec);
    const unavailable = await policies.waitCondition(policyName, 'SecretsSynced', 'False', 'SealedSecretsUnavailable');
    // The rest of the envelope is still applied and enforced.
    for (const type of ['NamespaceReady', 'SandboxEnforced', 'NetworkIsolated', 'AccessControlled']) {
      assert.equal(unavailable.status?.conditions?.find((c) => c.type === type)?.status, 'True', type);
    }

    await installSealedSecretsCrd(admin);
    const established = Date.now();
    await eventually('the SealedSecret to be applied', async () => readObject(admin, sealedSecretRef('openai')), 15_000, 100);
    const noticedMs = Date.now() - established;
    process.stderr.write(`[sealed-secrets] CRD noticed and SealedSecret applied ${noticedMs} ms after the CRD was established\n`);
    assert.ok(noticedMs < 10_000, `took ${noticedMs} ms`);
    const progressing = await policies.waitCondition(policyName, 'SecretsSynced', 'Unknown', 'Progressing');
    assert.match(progressing.status?.conditions?.find((c) => c.type === 'SecretsSynced')?.message ?? '', /openai/);
  });

  test('the real controller unseals what bulkhead sealed: the Secret equals the originals and SecretsSynced=True', async () => {
    controller = await startSealedSecretsController(admin, { namespace: `${run}-ss`, key, clusterPrefix: run });
    const ready = await policies.waitReady(policyName);
    const synced = ready.status?.conditions?.find((c) => c.type === 'SecretsSynced');
    assert.equal(synced?.reason, 'Reconciled');
    assert.deepEqual(await secretData('openai'), { OPENAI_API_KEY: canary, ORG: 'acme', PROJECT: 'agents' });

    const sealedSecret = await readObject(admin, sealedSecretRef('openai'));
    const secret = await core.readNamespacedSecret({ name: 'openai', namespace });
    assert.deepEqual(
      secret.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['SealedSecret', 'openai', sealedSecret?.metadata?.uid, true]],
    );
    assert.equal(secret.type, 'Opaque');
    assert.equal(secret.metadata?.labels?.['app.kubernetes.io/managed-by'], undefined, 'the Secret is the controller\'s, not under tamper protection');

    // The agent reads exactly the Secret its rules name, and cannot list the others.
    const authz = admin.makeApiClient(k8s.AuthorizationV1Api);
    const agentMay = async (verb: string, name?: string): Promise<boolean> =>
      (
        await authz.createSubjectAccessReview({
          body: {
            spec: {
              user: `system:serviceaccount:${namespace}:agent`,
              resourceAttributes: { namespace, verb, resource: 'secrets', ...(name === undefined ? {} : { name }) },
            },
          },
        })
      ).status?.allowed === true;
    assert.equal(await agentMay('get', 'openai'), true);
    assert.equal(await agentMay('get', 'from-kubeseal'), false);
    assert.equal(await agentMay('list'), false);
  });

  test('kubeseal --cert output is carried through unchanged and the controller unseals it', async () => {
    const input = stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'from-kubeseal', namespace }, stringData: { TOKEN: 'kubeseal-value' } });
    const ran = await runProcess(controlPlaneBinaries().kubeseal, ['--cert', certFile, '--format', 'yaml'], input);
    assert.equal(ran.status, 0, ran.stderr);
    const encryptedData = (parse(ran.stdout) as { spec: { encryptedData: Record<string, string> } }).spec.encryptedData;
    const generation = await setSecrets([...fileSecrets(), { name: 'from-kubeseal', encryptedData }]);
    const ready = await policies.waitReady(policyName);
    assert.equal(ready.metadata.generation, generation);
    assert.deepEqual((await readObject(admin, sealedSecretRef('from-kubeseal')))?.['spec'], {
      encryptedData,
      template: { type: 'Opaque', metadata: { name: 'from-kubeseal', namespace } },
    });
    assert.deepEqual(await secretData('from-kubeseal'), { TOKEN: 'kubeseal-value' });
  });

  test('bulkhead seal fetches the certificate from the running controller through the service proxy', async () => {
    assert.ok(controller !== undefined);
    const ran = await bulkhead(
      ['seal', '-f', policyFile, '--secret', 'fetched', '--from-literal', 'FETCHED=through-the-proxy', '--controller-namespace', controller.namespace, '--kubeconfig', controller.sealerKubeconfig],
    );
    // The certificate came from the controller: the one the test gave it.
    assert.ok(ran.stderr.includes(`SHA-256 ${new X509Certificate(key.certificatePem).fingerprint256}`), ran.stderr);
    // The same with the policy read from the cluster (--policy) instead of a file, as the admin.
    const byName = await bulkhead(
      ['seal', '--policy', policyName, '--secret', 'fetched-by-name', '--from-file', 'BY_NAME=-', '--controller-namespace', controller.namespace],
      'policy-from-the-cluster',
    );
    assert.match(byName.stderr, new RegExp(`for ${namespace}/fetched-by-name \\(strict scope\\)`));
    await setSecrets([...fileSecrets(), printedEntry(ran), printedEntry(byName)]);
    await policies.waitReady(policyName);
    assert.deepEqual(await secretData('fetched'), { FETCHED: 'through-the-proxy' });
    assert.deepEqual(await secretData('fetched-by-name'), { BY_NAME: 'policy-from-the-cluster' });
  });

  test('a value sealed for another namespace leaves SecretsSynced=False with the controller\'s reason', async () => {
    const elsewhere = join(dir, 'elsewhere.yaml');
    writeFileSync(elsewhere, 'apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata:\n  name: elsewhere\nspec: {}\n');
    const ran = await bulkhead(['seal', '-f', elsewhere, '--secret', 'misplaced', '--cert', certFile, '--from-literal', 'K=for-agent-elsewhere']);
    assert.match(ran.stderr, /for agent-elsewhere\/misplaced/);
    await setSecrets([...fileSecrets(), printedEntry(ran)]);
    const failed = await policies.waitCondition(policyName, 'SecretsSynced', 'False', 'UnsealFailed');
    const message = failed.status?.conditions?.find((c) => c.type === 'SecretsSynced')?.message ?? '';
    const controllerMessage = ((await readObject(admin, sealedSecretRef('misplaced')))?.['status'] as { conditions: { message: string }[] }).conditions[0]?.message;
    assert.ok(controllerMessage !== undefined && controllerMessage !== '');
    assert.equal(message, `misplaced: ${controllerMessage}`);
    assert.match(message, /decrypt/);
    assert.equal(failed.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.equal(await secretData('misplaced'), undefined);
  });

  test('a Secret of the same name that Bulkhead did not create is never overwritten', async () => {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'preexisting' }, stringData: { K: 'original' } } });
    const ran = await bulkhead(['seal', '-f', policyFile, '--secret', 'preexisting', '--cert', certFile, '--from-literal', 'K=replacement']);
    await setSecrets([...fileSecrets(), printedEntry(ran)]);
    const failed = await policies.waitCondition(policyName, 'SecretsSynced', 'False', 'UnsealFailed');
    assert.match(
      failed.status?.conditions?.find((c) => c.type === 'SecretsSynced')?.message ?? '',
      /^preexisting: failed update: Resource "preexisting" already exists and is not managed by SealedSecret$/,
    );
    assert.deepEqual(await secretData('preexisting'), { K: 'original' });
    const secret = await core.readNamespacedSecret({ name: 'preexisting', namespace });
    assert.equal(secret.metadata?.ownerReferences, undefined);
    // A Secret written by hand in the agent namespace widens it: the census quota counted it, so the isolation audit
    // listed the namespace again and says so at once, not at its next sweep.
    const weakened = await policies.waitCondition(policyName, 'Isolated', 'False', 'ForeignSecret', 10_000);
    assert.match(weakened.status?.conditions?.find((c) => c.type === 'Isolated')?.message ?? '', new RegExp(`Secret ${namespace}/preexisting`));
    await setSecrets(fileSecrets());
    await core.deleteNamespacedSecret({ name: 'preexisting', namespace });
    await policies.waitCondition(policyName, 'Isolated', 'True', 'NoWidening', 10_000);
  });

  test('after a rotation with the controller stopped, SecretsSynced does not claim True for the new generation', async () => {
    assert.ok(controller !== undefined);
    await setSecrets(fileSecrets()); // back to the good secrets only
    await policies.waitReady(policyName);
    await controller.stop();

    await bulkhead(['seal', '-f', policyFile, '--secret', 'openai', '--cert', certFile, '--from-file', 'OPENAI_API_KEY=-', '--in-place'], rotatedCanary);
    const generation = await setSecrets(fileSecrets());
    const pending = await policies.waitCondition(policyName, 'SecretsSynced', 'Unknown', 'Progressing');
    assert.equal(pending.status?.observedGeneration, generation);
    assert.match(pending.status?.conditions?.find((c) => c.type === 'SecretsSynced')?.message ?? '', /openai \(generation \d+ not processed yet\)/);
    // It stays so while the controller is away (the policy is reconciled meanwhile: the status is rewritten each pass).
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const now = await policies.get(policyName);
      assert.notEqual(now?.status?.conditions?.find((c) => c.type === 'SecretsSynced')?.status, 'True');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal((await secretData('openai'))?.['OPENAI_API_KEY'], canary, 'the old value is still what the Secret holds');

    await controller.start();
    await policies.waitReady(policyName);
    assert.equal((await secretData('openai'))?.['OPENAI_API_KEY'], rotatedCanary);
  });

  test('no plaintext in any operator log line, Event, status, rendered output or bulkhead seal output', async () => {
    const rendered = await bulkhead(['render', '-f', policyFile]);
    assert.match(rendered.stdout, /kind: SealedSecret/);
    assert.ok(rendered.stdout.includes(fileSecrets()[0]?.encryptedData['OPENAI_API_KEY'] ?? '<none>'), 'the ciphertext is rendered');
    const events = await core.listEventForAllNamespaces();
    const stored = await policies.get(policyName);
    const places: Record<string, string> = {
      'operator log': logLines.join(''),
      events: JSON.stringify(events.items),
      'policy status': JSON.stringify(stored?.status),
      'policy spec': JSON.stringify(stored?.spec),
      'policy file': readFileSync(policyFile, 'utf8'),
      'process output': outputs.join('\n'),
    };
    // The log is real and speaks about the secrets (by name), yet never about their values.
    assert.ok(logLines.some((l) => l.includes(`"object":"SealedSecret ${namespace}/openai","field":"spec.encryptedData.OPENAI_API_KEY"`)), 'the log was captured');
    assert.ok(events.items.some((e) => e.involvedObject.name === policyName), 'the policy had Events');
    for (const [where, text] of Object.entries(places)) {
      for (const plaintext of plaintexts) assert.ok(!text.includes(plaintext), `${plaintext} found in ${where}`);
    }
    // The controller did unseal them: the check above looked at real data, not at an empty system.
    assert.equal((await secretData('openai'))?.['OPENAI_API_KEY'], rotatedCanary);
  });

  test('the CRD removed while the operator runs is noticed within seconds: SealedSecretsUnavailable again, the rest still enforced', async () => {
    await controller?.stop();
    const ext = admin.makeApiClient(k8s.ApiextensionsV1Api);
    await ext.deleteCustomResourceDefinition({ name: 'sealedsecrets.bitnami.com' });
    const removed = Date.now();
    const unavailable = await policies.waitCondition(policyName, 'SecretsSynced', 'False', 'SealedSecretsUnavailable', 15_000);
    process.stderr.write(`[sealed-secrets] CRD removal reported ${Date.now() - removed} ms after the delete request\n`);
    for (const type of ['NamespaceReady', 'SandboxEnforced', 'NetworkIsolated', 'AccessControlled']) {
      assert.equal(unavailable.status?.conditions?.find((c) => c.type === type)?.status, 'True', type);
    }
  });
});
