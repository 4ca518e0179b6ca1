import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One running component of the control plane; its output goes to <workDir>/<name>.log. */
export interface Component {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logPath: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

/** File in the work directory listing every process group the reaper must kill if the runner dies. */
export const pidFileName = 'pids';

export function startComponent(
  workDir: string,
  name: string,
  binary: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Component {
  const logPath = join(workDir, `${name}.log`);
  const log = openSync(logPath, 'a');
  // detached: its own process group, so teardown and the reaper can kill it with everything it started.
  const child = spawn(binary, args, { cwd: workDir, env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  if (child.pid !== undefined) appendFileSync(join(workDir, pidFileName), `${child.pid}\n`);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return { name, process: child, logPath, exited };
}

/** The last lines of a component's log, for error messages that explain why it did not come up. */
export function logTail(component: Component, lines = 30): string {
  try {
    return readFileSync(component.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(no log: ${(error as Error).message})`;
  }
}

/**
 * Signals the component's process group (SIGTERM by default), then SIGKILL it if it has not exited after the grace
 * period; resolves once it has exited.
 */
export async function stopComponent(component: Component, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const pid = component.process.pid;
  if (pid === undefined || component.process.exitCode !== null || component.process.signalCode !== null) return;
  signalGroup(pid, signal);
  const timedOut = await Promise.race([
    component.exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
  ]);
  if (timedOut) {
    signalGroup(pid, 'SIGKILL');
    await component.exited;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
