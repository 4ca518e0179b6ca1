import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with its errors turned into one-line usage errors. Positionals only when allowed. */
export function parseFlags<O extends Options>(args: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(error.message.split('\n')[0] ?? error.message);
    }
    throw error;
  }
}

export type OutputFormat = 'yaml' | 'json';

export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'yaml') return 'yaml';
  if (value === 'json') return 'json';
  throw new UsageError(`-o must be yaml or json, not "${value}"`);
}
