/**
 * Runs the real command-line tools the tests drive (helm, kubectl, npm, the bulkhead bundle) and collects their
 * output; a failure message carries both streams, so a broken command explains itself.
 */
import { spawn } from 'node:child_process';
import { controlPlaneBinaries } from './control-plane/versions.ts';

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  readonly timeoutMs?: number;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    // A command that never reads its input may exit before the (empty) input is flushed: EPIPE is not a failure.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Like run, but rejects unless the command exits 0. */
export async function runOk(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
  return result;
}

/** The pinned helm, against the cluster of a kubeconfig. */
export function helm(kubeconfig: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return runOk(controlPlaneBinaries().helm, args, { ...options, env: { ...process.env, ...options.env, KUBECONFIG: kubeconfig } });
}

/** The pinned kubectl, against the cluster of a kubeconfig. */
export function kubectl(kubeconfig: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return runOk(controlPlaneBinaries().kubectl, args, { ...options, env: { ...process.env, ...options.env, KUBECONFIG: kubeconfig } });
}

/**
 * Starts a long-running command, waits until its output matches `pattern`, then stops it (SIGTERM, SIGKILL after
 * 10 s); resolves to everything it printed. Rejects with the output if it exits or times out first.
 */
export function runUntil(command: string, args: readonly string[], pattern: RegExp, options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let matched = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} printed nothing matching ${pattern} in ${options.timeoutMs ?? 60_000} ms:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!matched && pattern.test(output)) {
        matched = true;
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => clearTimeout(kill));
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (matched) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code} before printing ${pattern}:\n${output}`));
    });
  });
}
