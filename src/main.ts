#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import packageJson from '../package.json' with { type: 'json' };
import { UsageError, type Command, type CommandIO } from './cli/command.ts';
import { commands } from './cli/commands.ts';

export const version: string = packageJson.version;

function topLevelHelp(available: readonly Command[]): string {
  const width = Math.max(10, ...available.map((c) => c.name.length));
  const lines = available.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'bulkhead: isolates AI agents on Kubernetes. One AgentPolicy becomes a namespace, default-deny networking,',
    'a sandboxed runtime, least-privilege RBAC, an API rate limit, quotas and sealed credentials.',
    '',
    'Usage: bulkhead <command> [flags]',
    '',
    'Commands:',
    ...(lines.length > 0 ? lines : ['  (none yet)']),
    '',
    'Flags:',
    '  -h, --help     show this help, or a command\'s help with `bulkhead <command> --help`',
    '  -v, --version  print the version',
    '',
  ].join('\n');
}

/** Runs the CLI and resolves to its exit status; never throws. */
export async function runCli(args: readonly string[], io: CommandIO): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout.write(topLevelHelp(commands));
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version' || first === 'version') {
    io.stdout.write(`bulkhead ${version}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === first);
  if (command === undefined) {
    io.stderr.write(`bulkhead: unknown command "${first}"; run \`bulkhead --help\` for the list\n`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`bulkhead ${command.name}: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`bulkhead ${command.name}: ${message}\n`);
    return 1;
  }
}

// True when run as a program (also through the npm bin symlink), false when imported by tests.
const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const status = await runCli(process.argv.slice(2), process);
  process.exitCode = status;
}
