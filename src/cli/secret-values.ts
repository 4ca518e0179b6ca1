/**
 * The plaintext values of `bulkhead seal`, from --from-literal, --from-file and --from-env-file (kubectl create
 * secret's flags). Values stay in Buffers that the caller wipes after sealing; no error message ever quotes a value or
 * a line of a file, only flags, keys, paths and line numbers.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { secretKey } from '../api/v1alpha1/formats.ts';
import { UsageError } from './command.ts';

export interface ValueSources {
  readonly literals: readonly string[];
  readonly files: readonly string[];
  readonly envFiles: readonly string[];
}

/** "-" as a path: standard input, read once, so at most one source may name it. */
export const stdinPath = '-';

/** Sealed values by Secret key. */
export type SecretValues = Map<string, Buffer>;

export function countStdinSources(sources: ValueSources): number {
  return (
    sources.files.filter((f) => splitKeyPath(f).path === stdinPath).length + sources.envFiles.filter((f) => f === stdinPath).length
  );
}

export async function readSecretValues(sources: ValueSources, stdin: NodeJS.ReadableStream): Promise<SecretValues> {
  if (sources.literals.length + sources.files.length + sources.envFiles.length === 0) {
    throw new UsageError('no values: pass --from-literal KEY=VALUE, --from-file KEY=PATH or --from-env-file PATH (PATH may be - for stdin)');
  }
  const values: SecretValues = new Map();
  const add = (flag: string, key: string, value: Buffer): void => {
    if (!secretKey.test(key)) {
      value.fill(0);
      throw new UsageError(`${flag}: "${key}" is not a valid Secret key (letters, digits, "-", "_" and ".")`);
    }
    if (values.has(key)) {
      value.fill(0);
      throw new UsageError(`${flag}: key "${key}" is given twice`);
    }
    values.set(key, value);
  };
  try {
    for (const literal of sources.literals) {
      const equals = literal.indexOf('=');
      // The argument is never echoed: without "=", all of it may be the value.
      if (equals <= 0) throw new UsageError('--from-literal must be KEY=VALUE (the argument is not shown: it may hold the value)');
      add('--from-literal', literal.slice(0, equals), Buffer.from(literal.slice(equals + 1), 'utf8'));
    }
    for (const source of sources.files) {
      const { key, path } = splitKeyPath(source);
      if (key === undefined && path === stdinPath) throw new UsageError('--from-file -: name the key for standard input, as KEY=-');
      add('--from-file', key ?? basename(path), await readSource('--from-file', path, stdin));
    }
    for (const path of sources.envFiles) {
      const text = await readSource('--from-env-file', path, stdin);
      try {
        for (const [key, value] of parseEnvFile(text, path)) add(`--from-env-file ${path}`, key, value);
      } finally {
        text.fill(0);
      }
    }
  } catch (error) {
    wipe(values);
    throw error;
  }
  return values;
}

/** Overwrites every value in memory; called once they are sealed (or on failure). */
export function wipe(values: SecretValues): void {
  for (const value of values.values()) value.fill(0);
  values.clear();
}

/** "KEY=PATH" or "PATH" (the key is then the file's base name, as kubectl does). */
function splitKeyPath(source: string): { key: string | undefined; path: string } {
  const equals = source.indexOf('=');
  return equals <= 0 ? { key: undefined, path: source } : { key: source.slice(0, equals), path: source.slice(equals + 1) };
}

async function readSource(flag: string, path: string, stdin: NodeJS.ReadableStream): Promise<Buffer> {
  if (path === stdinPath) return readAll(stdin);
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code);
    throw new UsageError(`${flag} ${path}: ${why}`);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const all = Buffer.concat(chunks);
  for (const chunk of chunks) chunk.fill(0);
  return all;
}

/**
 * kubectl's env-file format: one KEY=VALUE per line, the value taken verbatim (no quotes removed), blank lines and
 * lines starting with # skipped. A bad line is reported by number only: its text may be a value.
 */
export function parseEnvFile(text: Buffer, source: string): [string, Buffer][] {
  const entries: [string, Buffer][] = [];
  let start = text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf ? 3 : 0; // UTF-8 byte order mark
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf(0x0a, start);
    if (end === -1) end = text.length;
    line += 1;
    const raw = text.subarray(start, end > start && text[end - 1] === 0x0d ? end - 1 : end);
    start = end + 1;
    let from = 0;
    while (from < raw.length && (raw[from] === 0x20 || raw[from] === 0x09)) from += 1;
    if (from === raw.length || raw[from] === 0x23 /* # */) continue;
    const equals = raw.indexOf(0x3d /* = */, from);
    if (equals <= from) throw new UsageError(`--from-env-file ${source}: line ${line} is not KEY=VALUE (the line is not shown)`);
    entries.push([raw.subarray(from, equals).toString('utf8').trimEnd(), Buffer.from(raw.subarray(equals + 1))]);
  }
  return entries;
}
