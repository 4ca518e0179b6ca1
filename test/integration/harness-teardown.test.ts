/**
 * The harness leaves nothing behind: a control plane whose owner is killed with SIGKILL (no teardown code runs) is
 * reaped by its watchdog: every component process ends and the work directory disappears.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually } from '../support/cluster.ts';
import { isRunning, pidFileName } from '../support/control-plane/processes.ts';

const clusterUp = fileURLToPath(new URL('../support/cluster-up.ts', import.meta.url));

test('a control plane whose owner is SIGKILLed is reaped: no process and no work directory survive', async () => {
  const owner = spawn(process.execPath, [clusterUp], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  owner.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  owner.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const workDir = await eventually(
      'cluster:up to print its work directory',
      async () => /Logs: (\S+)\/\*\.log/.exec(output)?.[1],
      120_000,
    );
    const pids = readFileSync(join(workDir, pidFileName), 'utf8').split('\n').filter(Boolean).map(Number);
    assert.equal(pids.length, 3, 'etcd, kube-apiserver and kube-controller-manager');
    assert.ok(pids.every(isRunning));

    owner.kill('SIGKILL');
    await eventually('every component to exit', async () => (pids.some(isRunning) ? undefined : true), 30_000);
    await eventually('the work directory to be removed', async () => (existsSync(workDir) ? undefined : true), 30_000);
  } finally {
    owner.kill('SIGKILL');
  }
});
