import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { agentNamespaceName } from '../api/v1alpha1/defaults.ts';
import { dns1123Label, dns1123Subdomain } from '../api/v1alpha1/formats.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import { loadKubeConfig } from '../kube/client.ts';
import { readAgentPolicy } from '../kube/read-policy.ts';
import { defaultSealingController, fetchSealingCertificate, type SealingController } from '../kube/sealing-certificate.ts';
import { parseSealingCertificate, type SealingKey } from '../sealing/certificate.ts';
import { sealValues } from '../sealing/seal-values.ts';
import { formatIssue } from '../validation/issues.ts';
import { parseAgentPolicy } from '../validation/validate.ts';
import { UsageError, type Command, type CommandIO } from './command.ts';
import { parseFlags } from './flags.ts';
import { mergedEntry, mergeIntoFile, parsePolicyFile, secretsSnippet, type PolicyFile } from './policy-secrets.ts';
import { countStdinSources, readSecretValues, stdinPath, wipe } from './secret-values.ts';

const help = `Usage: bulkhead seal (-f POLICY | --policy NAME) --secret NAME [--type TYPE] [--in-place]
         (--from-literal KEY=VALUE | --from-file [KEY=]PATH | --from-env-file PATH)...
         [--cert FILE | --controller-namespace NS --controller-name NAME] [--kubeconfig FILE] [--context NAME]

Seals credentials for an agent, so that only ciphertext ever lives in Git and in the AgentPolicy. Each value is
encrypted with the Sealed Secrets controller's public certificate for the Secret NAME in the policy's agent
namespace (strict scope, read from the policy): only that controller can open it, and only there, under that name.
The controller unseals it into a Secret the agent's pods can mount; to read it through the API the agent also
needs a rule such as {apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [NAME]}.

The flow:
  1. printf %s "$KEY" | bulkhead seal -f policy.yaml --secret openai-api-key --from-file OPENAI_API_KEY=- --in-place
     (adds the entry to spec.secrets, keeping comments; sealing into an existing secret adds or replaces keys)
  2. git commit policy.yaml && kubectl apply -f policy.yaml
  3. kubectl get agp NAME shows SecretsSynced=True once the Secret is unsealed in the agent namespace
Without --in-place the spec.secrets entry is printed on stdout, to paste under the policy's spec.

Values (repeatable; PATH - reads standard input, so a value never appears in shell history or ps):
      --from-literal KEY=VALUE   a value on the command line (visible in history: prefer --from-file KEY=-)
      --from-file [KEY=]PATH     a file's bytes; KEY defaults to the file's name
      --from-env-file PATH       KEY=VALUE lines (# comments and blank lines skipped)

Flags:
  -f, --filename FILE|-          the policy file (one AgentPolicy); - reads it from standard input
      --policy NAME              the AgentPolicy NAME on the cluster instead of a file
      --secret NAME              the Secret (and spec.secrets[].name) to seal into
      --type TYPE                the Secret type for a new entry (default Opaque)
      --in-place                 write the sealed entry into the policy FILE instead of printing it
      --cert FILE                the controller's certificate (PEM, as kubeseal --fetch-cert prints it), offline
      --controller-namespace NS  where the controller runs (default kube-system, or $SEALED_SECRETS_CONTROLLER_NAMESPACE)
      --controller-name NAME     its Service (default sealed-secrets-controller, or $SEALED_SECRETS_CONTROLLER_NAME)
      --kubeconfig FILE          kubeconfig for --policy and for fetching the certificate; --context NAME its context
  -h, --help                     show this help

Without --cert the certificate is fetched from the controller through the API server's service proxy, as kubeseal
does. An expired, not yet valid or non-RSA certificate is refused. The plaintext is never printed, logged or
written to any file.

Examples:
  bulkhead seal -f policy.yaml --secret registry --type kubernetes.io/dockerconfigjson \\
    --from-file .dockerconfigjson=auth.json --cert sealing.pem --in-place
  bulkhead seal --policy research-assistant --secret tools --from-env-file - < tools.env

Exit status: 0 sealed, 1 the policy, certificate or cluster failed, 2 a usage error.`;

const flagOptions = {
  filename: { type: 'string', short: 'f' },
  policy: { type: 'string' },
  secret: { type: 'string' },
  type: { type: 'string' },
  'in-place': { type: 'boolean' },
  cert: { type: 'string' },
  'controller-namespace': { type: 'string' },
  'controller-name': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'from-literal': { type: 'string', multiple: true },
  'from-file': { type: 'string', multiple: true },
  'from-env-file': { type: 'string', multiple: true },
} as const;

type SealFlags = ReturnType<typeof parseSealFlags>;

/** parseFlags, but a stray argument is not echoed: `--from-literal KEY= VALUE` would print the value. */
function parseSealFlags(args: readonly string[]) {
  try {
    return parseFlags(args, flagOptions).values;
  } catch (error) {
    if (error instanceof UsageError && error.message.startsWith('Unexpected argument')) {
      throw new UsageError('unexpected argument (not shown: it may be a value); every value follows a flag, as --from-literal KEY=VALUE');
    }
    throw error;
  }
}

/** Where the target policy comes from, and the certificate; checked before anything is read. */
function checkFlags(flags: SealFlags): { secret: string; controller: SealingController } {
  const file = flags.filename;
  if ((file === undefined) === (flags.policy === undefined)) throw new UsageError('name the policy: -f FILE or --policy NAME (one of them)');
  if (flags.policy !== undefined && !dns1123Label.test(flags.policy)) throw new UsageError(`--policy "${flags.policy}" is not an AgentPolicy name`);
  if (flags['in-place'] === true && (file === undefined || file === stdinPath)) throw new UsageError('--in-place needs the policy as -f FILE');
  const secret = flags.secret;
  if (secret === undefined) throw new UsageError('--secret NAME is required');
  if (secret.length > 253 || !dns1123Subdomain.test(secret)) throw new UsageError(`--secret "${secret}" is not a DNS-1123 subdomain (a Secret name)`);
  if (flags.type !== undefined && (flags.type === '' || flags.type.length > 253)) throw new UsageError('--type must be 1 to 253 characters');
  const sources = valueSources(flags);
  if (countStdinSources(sources) + (file === stdinPath ? 1 : 0) > 1) {
    throw new UsageError('standard input (-) can be read once: give it to one of -f, --from-file, --from-env-file');
  }
  const namedController = flags['controller-namespace'] !== undefined || flags['controller-name'] !== undefined;
  if (flags.cert !== undefined && namedController) throw new UsageError('--cert and --controller-namespace/--controller-name exclude each other');
  const controller = {
    namespace: flags['controller-namespace'] ?? process.env['SEALED_SECRETS_CONTROLLER_NAMESPACE'] ?? defaultSealingController.namespace,
    name: flags['controller-name'] ?? process.env['SEALED_SECRETS_CONTROLLER_NAME'] ?? defaultSealingController.name,
  };
  if (!dns1123Label.test(controller.namespace)) throw new UsageError(`--controller-namespace "${controller.namespace}" is not a namespace name`);
  if (!dns1123Label.test(controller.name)) throw new UsageError(`--controller-name "${controller.name}" is not a Service name`);
  return { secret, controller };
}

function valueSources(flags: SealFlags) {
  return { literals: flags['from-literal'] ?? [], files: flags['from-file'] ?? [], envFiles: flags['from-env-file'] ?? [] };
}

interface Target {
  readonly policy: AgentPolicy;
  /** The parsed file when the policy came from one (what --in-place rewrites). */
  readonly file?: PolicyFile;
}

function validPolicy(value: unknown, source: string): AgentPolicy {
  const parsed = parseAgentPolicy(value);
  if (parsed.ok) return parsed.policy;
  throw new PolicyError(parsed.issues.map((issue) => `${source}: ${formatIssue(issue)}`));
}

/** The policy is invalid: every problem, one per line, exit status 1. */
class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

async function loadTarget(flags: SealFlags, stdin: NodeJS.ReadableStream): Promise<Target> {
  if (flags.policy !== undefined) {
    const kubeConfig = loadKubeConfig({ kubeconfigPath: flags.kubeconfig, context: flags.context });
    return { policy: validPolicy(await readAgentPolicy(kubeConfig, flags.policy), `AgentPolicy ${flags.policy}`) };
  }
  const source = flags.filename as string;
  const name = source === stdinPath ? '<stdin>' : source;
  let text: string;
  try {
    text = source === stdinPath ? await readText(stdin) : await readFile(source, 'utf8');
  } catch (error) {
    throw new UsageError(`-f ${source}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`);
  }
  const file = parsePolicyFile(text, name);
  return { policy: validPolicy(file.value, name), file };
}

async function readText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function loadKey(flags: SealFlags, controller: SealingController): Promise<SealingKey> {
  if (flags.cert !== undefined) {
    let pem: string;
    try {
      pem = await readFile(flags.cert, 'utf8');
    } catch (error) {
      throw new UsageError(`--cert ${flags.cert}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`);
    }
    return parseSealingCertificate(pem, `--cert ${flags.cert}`);
  }
  const kubeConfig = loadKubeConfig({ kubeconfigPath: flags.kubeconfig, context: flags.context });
  const pem = await fetchSealingCertificate(kubeConfig, controller);
  return parseSealingCertificate(pem, `the certificate of service ${controller.namespace}/${controller.name}`);
}

/** Replaces the file in one step (a crash never leaves half a policy); the temporary file holds only ciphertext. */
async function replaceFile(path: string, text: string): Promise<void> {
  const mode = (await stat(path)).mode & 0o7777;
  const temporary = join(dirname(path), `.${basename(path)}.bulkhead-seal-${process.pid}`);
  await writeFile(temporary, text, { mode });
  await rename(temporary, path);
}

export const sealCommand: Command = {
  name: 'seal',
  summary: 'encrypt credentials for an AgentPolicy (kubeseal-compatible) and add them to its spec.secrets',
  help,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    try {
      return await seal(args, io);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      io.stderr.write(error.problems.map((p) => `bulkhead seal: ${p}\n`).join(''));
      return 1;
    }
  },
};

async function seal(args: readonly string[], io: CommandIO): Promise<number> {
  const flags = parseSealFlags(args);
  const { secret, controller } = checkFlags(flags);
  const target = await loadTarget(flags, io.stdin);
  const namespace = agentNamespaceName(target.policy);
  mergedEntry(target.policy.spec.secrets, secret, flags.type, {}); // a --type conflict fails before any value is read
  const key = await loadKey(flags, controller);

  const values = await readSecretValues(valueSources(flags), io.stdin);
  const keys = [...values.keys()].sort();
  let sealed: Record<string, string>;
  try {
    sealed = sealValues(key, { namespace, name: secret, scope: 'strict' }, values);
  } finally {
    wipe(values);
  }
  const entry = mergedEntry(target.policy.spec.secrets, secret, flags.type, sealed);
  const summary =
    `sealed ${keys.join(', ')} for ${namespace}/${secret} (strict scope) with the certificate of ${key.subject || 'the controller'} ` +
    `(SHA-256 ${key.fingerprint}, valid until ${key.notAfter.toISOString()})`;

  if (flags['in-place'] === true && target.file !== undefined) {
    const path = flags.filename as string;
    const text = mergeIntoFile(target.file, entry);
    validPolicy(parsePolicyFile(text, path).value, `${path} after sealing`); // never write a policy the API would refuse
    await replaceFile(path, text);
    io.stderr.write(`bulkhead seal: ${summary}; wrote spec.secrets[${entry.name}] to ${path}\n`);
    return 0;
  }
  io.stdout.write(secretsSnippet(entry));
  io.stderr.write(`bulkhead seal: ${summary}; paste the entry under spec: of AgentPolicy ${target.policy.metadata.name}, or rerun with --in-place\n`);
  return 0;
}
