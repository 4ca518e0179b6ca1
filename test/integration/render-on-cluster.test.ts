/**
 * What Bulkhead writes, proven on the real API server: every object desiredState produces for the sample policies
 * passes a server-side dry run of the controller's own write (server-side apply, which refuses fields the schema
 * lacks; sent with fieldValidation=Strict as well). The Namespace is created for real first, since the rest live in
 * it, and each policy is stored for real so the ownerReferences carry real UIDs. The one kind this
 * cluster cannot take is SealedSecret: no Sealed Secrets controller, so no bitnami.com CRD; the test asserts that
 * exactly those objects are refused as an unknown kind, so nothing is skipped silently. Then the CLI, run as a
 * process: `bulkhead validate` and `bulkhead render` on manifests/samples/ print what desiredState gives.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import { loadOperatorConfig } from '../../src/config.ts';
import { desiredState, type DesiredObject } from '../../src/desired/desired-state.ts';
import { serverSideApply, type ApplyObject } from '../../src/kube/apply.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { compareForApply } from '../../src/envelope/resource-table.ts';
import { parseAgentPolicy, validateAgentPolicy } from '../../src/validation/validate.ts';
import { adminKubeConfig } from '../support/cluster.ts';
import { installCrd } from '../support/install.ts';
import { loadSamples, samplesDirectory, withUniqueNames } from '../support/samples.ts';
import { createPolicy, deletePolicies, strictObjectApi, type StoredPolicy } from '../support/strict-writes.ts';

const kc = adminKubeConfig();
const customObjects = kc.makeApiClient(k8s.CustomObjectsApi);
const core = kc.makeApiClient(k8s.CoreV1Api);
const apis = kc.makeApiClient(k8s.ApisApi);
const objects = strictObjectApi(kc);
const fieldManager = 'bulkhead-render-test';

/** The same configuration the CLI child process reads from its environment. */
const env = { ...process.env };
const config = loadOperatorConfig(env);

const identity = (o: { apiVersion?: string; kind?: string; metadata?: { namespace?: string; name?: string } }): string =>
  `${o.apiVersion}/${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

describe('every object desiredState gives for the samples is accepted by the API server', () => {
  let stored: StoredPolicy[] = [];
  const namespaces: string[] = [];

  before(async () => {
    await installCrd(kc);
    stored = await Promise.all(loadSamples().map((s) => createPolicy(customObjects, withUniqueNames(s.policy))));
  });

  after(async () => {
    await deletePolicies(customObjects, stored.map((p) => p.metadata.name));
    await Promise.all(
      namespaces.map((name) =>
        core.deleteNamespace({ name }).catch((error: unknown) => {
          if (!(error instanceof k8s.ApiException && error.code === 404)) throw error;
        }),
      ),
    );
  });

  test('server-side dry runs: all accepted but the SealedSecrets, which this cluster has no kind for', async () => {
    const envelopes = stored.map((policy) => {
      const parsed = parseAgentPolicy(policy);
      assert.ok(parsed.ok, `${policy.metadata.name}: ${JSON.stringify(!parsed.ok && parsed.issues)}`);
      return desiredState(parsed.policy, config);
    });
    // The Namespace comes first in apply order; everything namespaced lives in it, so it must exist for real.
    await Promise.all(
      envelopes.map(async (envelope) => {
        const namespace = envelope[0];
        assert.equal(namespace?.kind, 'Namespace');
        namespaces.push(namespace.metadata?.name ?? '');
        await serverSideApply(objects, namespace as ApplyObject, { fieldManager });
      }),
    );
    const rest = envelopes.flatMap((envelope) => envelope.slice(1));
    const outcomes = await Promise.all(
      rest.map(async (object) => {
        try {
          await serverSideApply(objects, object as ApplyObject, { dryRun: true, fieldManager });
          return { object, error: undefined };
        } catch (error) {
          return { object, error };
        }
      }),
    );
    const refused = outcomes.filter((o) => o.error !== undefined);
    const isSealedSecret = (o: DesiredObject): boolean => o.kind === 'SealedSecret';
    assert.deepEqual(
      refused.filter((o) => !isSealedSecret(o.object)).map((o) => `${identity(o.object)}: ${String(o.error)}`),
      [],
      'the API server refused objects Bulkhead would write',
    );
    // The exception, made explicit: this cluster serves no bitnami.com group, so each SealedSecret (and nothing
    // else) is refused as an unknown kind. Its namespace exists, so the 404 cannot be a missing namespace.
    const sealedSecrets = rest.filter(isSealedSecret);
    assert.ok(sealedSecrets.length >= 1, 'no sample has secrets: the SealedSecret path would go untested');
    const groups = await apis.getAPIVersions();
    assert.ok(!groups.groups.some((g) => g.name === 'bitnami.com'), 'bitnami.com is served now: dry-run SealedSecrets like the rest');
    assert.deepEqual(refused.map((o) => identity(o.object)).sort(), sealedSecrets.map(identity).sort());
    for (const { object, error } of refused) {
      assert.ok(error instanceof KubeApiError && error.statusCode === 404, `${identity(object)}: expected 404, got ${String(error)}`);
    }
    // Every kind but SealedSecret was exercised, and each object named its policy as owner by a real UID.
    const kinds = new Set(outcomes.filter((o) => o.error === undefined).map((o) => o.object.kind));
    for (const kind of ['RuntimeClass', 'NetworkPolicy', 'ServiceAccount', 'Role', 'RoleBinding', 'FlowSchema', 'ResourceQuota', 'LimitRange']) {
      assert.ok(kinds.has(kind as DesiredObject['kind']), `no ${kind} was dry-run`);
    }
    const uids = new Set(stored.map((p) => p.metadata.uid));
    for (const object of rest) {
      // The shared RuntimeClass carries no per-policy owner (see shared-runtime-class.test.ts).
      if (object.kind === 'RuntimeClass') continue;
      const owners = object.metadata?.ownerReferences ?? [];
      assert.ok(owners.length > 0 && owners.every((r) => uids.has(r.uid)), `${identity(object)} has no owner by real UID`);
    }
  });
});

interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `bulkhead ARGS` as its own process on the Node running the tests (24: the CLI relies on type stripping). */
function bulkhead(args: readonly string[], stdin = ''): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts', ...args], { cwd: repositoryRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

// Concurrent: each test is a separate process that mostly waits on Node's startup.
describe('the bulkhead CLI, end to end', { concurrency: true }, () => {
  const samplesPath = fileURLToPath(samplesDirectory);

  test('validate -f manifests/samples/ exits 0 and counts every sample', async () => {
    const result = await bulkhead(['validate', '-f', samplesPath]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${loadSamples().length} policies valid\n`);
  });

  test('render -f manifests/samples/ prints, in apply order, exactly the objects desiredState gives', async () => {
    const result = await bulkhead(['render', '-f', samplesPath]);
    assert.equal(result.status, 0, result.stderr);
    const rendered = parseAllDocuments(result.stdout).map((d) => {
      assert.deepEqual(d.errors, []);
      return d.toJS() as DesiredObject;
    });
    // Offline, a policy file has no UID, so no ownerReferences: the shared RuntimeClass of several samples is then
    // the same object from each, printed once.
    const expected = new Map<string, DesiredObject>();
    for (const sample of loadSamples()) {
      const valid = validateAgentPolicy(sample.policy, { config, ceilingRules: defaultCeilingRules });
      assert.ok(valid.ok, sample.file);
      for (const object of desiredState(valid.policy, config, { offline: true })) {
        const seen = expected.get(identity(object));
        if (seen !== undefined) assert.deepEqual(object, seen, `${identity(object)} differs between samples`);
        expected.set(identity(object), object);
      }
    }
    assert.equal(new Set(rendered.map(identity)).size, rendered.length, 'an object is printed twice');
    assert.deepEqual(new Map(rendered.map((o) => [identity(o), o])), expected);
    rendered.slice(1).forEach((object, i) => {
      assert.ok(compareForApply(rendered[i] as DesiredObject, object) <= 0, `${identity(object)} is printed out of apply order`);
    });
    assert.match(result.stderr, /have no metadata\.uid/);
  });

  test('validate of an invalid policy on standard input exits 1 naming the field', async () => {
    const invalid = 'apiVersion: bulkhead.dev/v1alpha1\nkind: AgentPolicy\nmetadata: {name: cli-invalid}\nspec: {rbac: {rules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]}}\n';
    const { status, stderr } = await bulkhead(['validate', '-f', '-'], invalid);
    assert.equal(status, 1, stderr);
    assert.match(stderr, /^<stdin>: cli-invalid: spec\.rbac\.rules\[0\]\.verbs\[0\]: .*outside the permission ceiling/m);
  });
});
