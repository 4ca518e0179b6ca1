import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { UsageError } from './command.ts';
import { readYamlSubset } from './yaml-subset.ts';

/** One YAML document read from the command line's -f sources. */
export interface InputDocument {
  /** The file it came from ("<stdin>" for -). */
  readonly source: string;
  /** 1-based position of the document in its file, for error messages. */
  readonly index: number;
  readonly value: unknown;
}

/** A source or document that could not be read or parsed, as a one-line message. */
export interface InputProblem {
  readonly source: string;
  readonly index?: number;
  readonly message: string;
}

export interface InputResult {
  readonly documents: InputDocument[];
  readonly problems: InputProblem[];
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/**
 * Reads every -f source: a file, a directory (its .yaml, .yml and .json files, recursively, in name order), or "-"
 * for standard input. Each file may hold many YAML documents; empty ones (a trailing ---) are skipped.
 */
export async function readInputs(sources: readonly string[], stdin: NodeJS.ReadableStream): Promise<InputResult> {
  if (sources.length === 0) throw new UsageError('no input: pass -f FILE, -f DIR or -f - (standard input)');
  const result: InputResult = { documents: [], problems: [] };
  for (const source of sources) {
    if (source === '-') {
      parseDocuments('<stdin>', await readStream(stdin), result);
      continue;
    }
    let files: string[];
    try {
      files = await expand(source);
    } catch (error) {
      result.problems.push({ source, message: describeFsError(error) });
      continue;
    }
    for (const file of files) {
      try {
        parseDocuments(file, await readFile(file, 'utf8'), result);
      } catch (error) {
        result.problems.push({ source: file, message: describeFsError(error) });
      }
    }
  }
  return result;
}

export function parseDocuments(source: string, text: string, into: InputResult): void {
  // JSON is YAML, but JSON.parse is a hundred times faster than the YAML parser: take it when it applies.
  if (/^\s*[{[]/.test(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // not JSON after all (a YAML flow mapping): the YAML parser below reports the details
    }
    if (value !== undefined) {
      const items = isList(value) ? value.items : [value];
      items.forEach((item, i) => into.documents.push({ source, index: i + 1, value: item }));
      return;
    }
  }
  // Most manifests are plain block YAML, which the subset reader takes several times faster than the yaml package;
  // anything else (and every error) is the yaml package's.
  const simple = readYamlSubset(text);
  if (simple !== undefined) {
    simple.forEach((value, i) => {
      if (value !== null && value !== undefined) into.documents.push({ source, index: i + 1, value });
    });
    return;
  }
  const documents = parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [documents];
  list.forEach((doc, i) => {
    const index = i + 1;
    const error = doc.errors[0];
    if (error !== undefined) {
      into.problems.push({ source, index, message: `not valid YAML: ${error.message.split('\n')[0] ?? ''}` });
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    into.documents.push({ source, index, value });
  });
}

/** A kind: List (what `render -o json` and `kubectl get -o json` print) holds many documents. */
function isList(value: unknown): value is { items: unknown[] } {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'List' && 'items' in value && Array.isArray(value.items);
}

async function expand(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && manifestExtensions.has(extname(e.name)))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function describeFsError(error: unknown): string {
  if (error instanceof Error && 'code' in error) {
    if (error.code === 'ENOENT') return 'no such file or directory';
    if (error.code === 'EACCES') return 'permission denied';
  }
  return error instanceof Error ? error.message : String(error);
}

/** "file", "file (document 2)": where a problem is, compact for single-document files. */
export function locate(problem: { source: string; index?: number }): string {
  return problem.index === undefined || problem.index === 1 ? problem.source : `${problem.source} (document ${problem.index})`;
}
