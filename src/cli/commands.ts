import type { Command } from './command.ts';

/** Every subcommand, in the order `bulkhead --help` lists them. */
export const commands: readonly Command[] = [];
