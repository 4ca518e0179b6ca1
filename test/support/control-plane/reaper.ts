/**
 * Watchdog started beside a control plane: when the process that started it dies without tearing down (a test
 * runner killed with SIGKILL, a Ctrl-C during setup), it kills every component's process group and removes the
 * work directory, so no etcd or kube-apiserver outlives the run. It exits on its own once the work directory is gone.
 *
 * Usage: node reaper.ts <owner-pid> <work-dir>
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning, pidFileName, signalGroup } from './processes.ts';

const [ownerArg, workDir] = process.argv.slice(2);
const ownerPid = Number(ownerArg);
if (!Number.isInteger(ownerPid) || workDir === undefined) {
  process.stderr.write('usage: reaper.ts <owner-pid> <work-dir>\n');
  process.exit(2);
}

function reap(dir: string): void {
  const pidFile = join(dir, pidFileName);
  const pids = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  for (const pid of pids) signalGroup(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

const timer = setInterval(() => {
  if (!existsSync(workDir)) {
    clearInterval(timer);
    return;
  }
  if (!isRunning(ownerPid)) {
    clearInterval(timer);
    reap(workDir);
  }
}, 500);
