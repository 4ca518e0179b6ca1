/**
 * `bulkhead controller` as a separate process, the way it runs in a pod: its own Node process, its own token, JSON
 * log lines on stdout (kept with the time each arrived), killable with any signal. Leader election and fault tests
 * run it this way so that a crash, an exit status and a SIGKILL are real.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface LogLine {
  readonly msg?: string;
  readonly level?: string;
  readonly identity?: string;
  readonly healthPort?: number;
  readonly [field: string]: unknown;
}

/** One `bulkhead controller` process and the JSON lines it logged, each with the time it arrived. */
export class OperatorProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: { at: number; line: LogLine }[] = [];
  readonly exited: Promise<number | null>;
  /** Everything written to stdout, byte for byte (secret scans read this, not the parsed lines). */
  stdout = '';
  stderr = '';
  #waiters: (() => void)[] = [];

  /** `args` follow `controller --kubeconfig <path> --health-port 0`; `env` is added to this process's. */
  constructor(name: string, kubeconfigPath: string, args: readonly string[] = [], env: Record<string, string> = {}) {
    this.name = name;
    const argv = [main, 'controller', '--kubeconfig', kubeconfigPath, '--health-port', '0', ...args];
    this.child = spawn(process.execPath, argv, { env: { ...process.env, POD_NAME: name, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.stdout += text;
      buffered += text;
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) {
        if (line.trim() === '') continue;
        try {
          this.lines.push({ at: Date.now(), line: JSON.parse(line) as LogLine });
        } catch {
          this.lines.push({ at: Date.now(), line: { msg: line } });
        }
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    // The after hook kills it; this covers a test process that ends without running hooks (an uncaught error).
    const orphanGuard = (): void => void this.child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    this.child.once('exit', () => process.off('exit', orphanGuard));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  find(msg: string): { at: number; line: LogLine } | undefined {
    return this.lines.find((l) => l.line.msg === msg);
  }

  /** Resolves with the first line logging `msg`; fails after the timeout or when the process exits first. */
  async waitFor(msg: string, timeoutMs = 20_000): Promise<{ at: number; line: LogLine }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.find(msg);
      if (found !== undefined) return found;
      if (!this.running) throw new Error(`${this.name} exited before logging "${msg}"; stderr: ${this.stderr}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`${this.name} did not log "${msg}" within ${timeoutMs} ms; logged: ${this.messages().join(' | ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 250));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  messages(): string[] {
    return this.lines.map((l) => String(l.line.msg));
  }

  async healthPort(): Promise<number> {
    const port = (await this.waitFor('bulkhead controller started')).line.healthPort;
    assert.ok(typeof port === 'number' && port > 0, `${this.name} logged its health port`);
    return port;
  }

  /** Kills the process if it still runs and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }
}
