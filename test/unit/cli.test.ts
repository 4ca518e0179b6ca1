import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { runCli, version } from '../../src/main.ts';

async function run(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  const status = await runCli(args, { stdout, stderr, stdin: new PassThrough() });
  return { status, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

test('--version prints the package version', async () => {
  const result = await run('--version');
  assert.equal(result.status, 0);
  assert.equal(result.stdout, `bulkhead ${version}\n`);
  assert.match(version, /^\d+\.\d+\.\d+/);
});

test('--help lists usage and exits 0; no arguments prints it and exits 2', async () => {
  const help = await run('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: bulkhead <command>/);
  const bare = await run();
  assert.equal(bare.status, 2);
  assert.match(bare.stdout, /Usage: bulkhead <command>/);
});

test('an unknown command is a one-line error with exit status 2', async () => {
  const result = await run('frobnicate');
  assert.equal(result.status, 2);
  assert.equal(result.stderr, 'bulkhead: unknown command "frobnicate"; run `bulkhead --help` for the list\n');
});
