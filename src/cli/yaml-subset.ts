/**
 * A fast reader for the YAML that manifests are written in: block mappings and sequences, plain, single- and
 * double-quoted scalars on one line, one-line flow collections, comments, and `---` between documents.
 * The yaml package reads 10,000 policies in about 6 s (its lexer, parser and composer build a full syntax tree);
 * this reads them in a fraction of that, which is most of `bulkhead render`'s time for a YAML input.
 *
 * It gives up (returns undefined) on anything outside that subset or anything it is not sure of: anchors, aliases,
 * tags, block scalars, multi-line scalars and flow collections, directives, tabs, CR line ends, complex or non-string
 * keys, duplicate keys, unusual indentation. The caller then reads the whole text with the yaml package, which
 * also produces every error message: an invalid document never takes this path, so errors are the yaml package's.
 * For what it accepts, it returns exactly what `parseAllDocuments(text).map((d) => d.toJS())` returns (YAML 1.2 core
 * schema: the same null, boolean, integer and float forms); a unit test compares the two on the samples, the golden
 * files, the renderer's own output and generated edge cases.
 */

/** Thrown inside the reader when the text leaves the subset; never escapes it. */
class OutsideSubset {}
const outside = new OutsideSubset();
const giveUp = (): never => {
  throw outside;
};

interface Line {
  indent: number;
  text: string;
}

/** Characters that make the reader step aside at once: tabs, CR, control characters, BOM, YAML 1.1 line breaks. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const unsupported = /[\t\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

/** The documents of `text` (null for an empty one), or undefined when it is not entirely in the subset. */
export function readYamlSubset(text: string): unknown[] | undefined {
  if (unsupported.test(text)) return undefined;
  try {
    return documentsOf(text).map((lines) => (lines.length === 0 ? null : new Reader(lines).document()));
  } catch (error) {
    if (error === outside) return undefined;
    throw error;
  }
}

/**
 * The content lines of each document, as the yaml package counts documents: content before the first `---` is a
 * document only when there is some; every `---` starts one, empty or not.
 */
function documentsOf(text: string): Line[][] {
  const documents: Line[][] = [];
  let current: Line[] = [];
  let explicit = false;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('---') || raw.startsWith('...')) {
      if (!/^--- *$/.test(raw)) giveUp(); // a document end, or content on the marker line
      if (explicit || current.length > 0) documents.push(current);
      current = [];
      explicit = true;
      continue;
    }
    if (raw.startsWith('%')) giveUp(); // a directive
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    if (indent === raw.length || raw.charCodeAt(indent) === 35 /* # */) continue; // blank or comment
    current.push({ indent, text: raw.slice(indent).trimEnd() });
  }
  if (explicit || current.length > 0) documents.push(current);
  return documents;
}

const plainKey = /^([A-Za-z0-9_./][A-Za-z0-9_./-]*):(?: +|$)/;
const isSequenceItem = (text: string): boolean => text === '-' || text.startsWith('- ');

class Reader {
  readonly #lines: Line[];
  #i = 0;

  constructor(lines: Line[]) {
    this.#lines = lines;
  }

  document(): unknown {
    const first = this.#lines[0] as Line;
    if (first.indent !== 0) giveUp();
    const value = this.#block(0);
    if (this.#i !== this.#lines.length) giveUp(); // something the structure did not consume
    return value;
  }

  #block(indent: number): unknown {
    const line = this.#lines[this.#i] as Line;
    if (isSequenceItem(line.text)) return this.#sequence(indent);
    if (splitKey(line.text) === undefined) giveUp(); // a scalar or flow collection standing alone
    return this.#mapping(indent);
  }

  #mapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    while (this.#i < this.#lines.length) {
      const line = this.#lines[this.#i] as Line;
      if (line.indent < indent) break;
      if (line.indent > indent || isSequenceItem(line.text)) giveUp();
      const entry = splitKey(line.text) ?? giveUp();
      if (Object.hasOwn(map, entry.key)) giveUp(); // the yaml package refuses duplicate keys
      this.#i++;
      map[entry.key] = this.#value(entry.rest, indent);
    }
    return map;
  }

  /** The value after `key:` (`rest`, comments included) of a mapping at `indent`. */
  #value(rest: string, indent: number): unknown {
    if (rest === '' || rest.startsWith('#')) {
      const next = this.#lines[this.#i];
      if (next === undefined) return null;
      if (next.indent > indent) return this.#block(next.indent);
      if (next.indent === indent && isSequenceItem(next.text)) return this.#sequence(indent); // `key:` then `- item`
      return null;
    }
    const value = inline(rest);
    const next = this.#lines[this.#i];
    if (next !== undefined && next.indent > indent) giveUp(); // a scalar continued on the next line
    return value;
  }

  #sequence(indent: number): unknown[] {
    const list: unknown[] = [];
    while (this.#i < this.#lines.length) {
      const line = this.#lines[this.#i] as Line;
      if (line.indent < indent) break;
      if (line.indent > indent) giveUp();
      if (!isSequenceItem(line.text)) break; // the next key of a mapping at the same indentation
      let spaces = 1;
      while (line.text.charCodeAt(spaces) === 32) spaces++;
      const content = line.text.slice(spaces);
      if (content === '' || content.startsWith('#')) {
        this.#i++;
        const next = this.#lines[this.#i];
        list.push(next !== undefined && next.indent > indent ? this.#block(next.indent) : null);
      } else if (isSequenceItem(content)) {
        giveUp(); // `- - x`
      } else if (splitKey(content) !== undefined) {
        // `- key: value`: a mapping whose first line shares the dash's line, indented to where its key starts.
        const column = indent + spaces;
        this.#lines[this.#i] = { indent: column, text: content };
        list.push(this.#mapping(column));
      } else {
        this.#i++;
        list.push(inline(content));
        const next = this.#lines[this.#i];
        if (next !== undefined && next.indent > indent) giveUp();
      }
    }
    return list;
  }
}

/** `key: rest` with a plain or quoted key that reads as a string; undefined when the line is no mapping entry. */
function splitKey(text: string): { key: string; rest: string } | undefined {
  let key: string;
  let end: number;
  const first = text.charCodeAt(0);
  if (first === 34 /* " */ || first === 39 /* ' */) {
    const quoted = first === 34 ? doubleQuoted(text, 0) : singleQuoted(text, 0);
    if (text.charCodeAt(quoted.end) !== 58 /* : */) return undefined;
    const after = text.charCodeAt(quoted.end + 1);
    if (!Number.isNaN(after) && after !== 32) return undefined;
    key = quoted.value;
    end = quoted.end + 1;
  } else {
    const match = plainKey.exec(text);
    if (match === null) return undefined;
    const resolved = plain(match[1] as string);
    if (typeof resolved !== 'string') giveUp(); // 50:, true:, null: would be keys of other types
    key = resolved as string;
    end = (match[1] as string).length + 1;
  }
  if (key === '__proto__') giveUp();
  let start = end;
  while (text.charCodeAt(start) === 32) start++;
  return { key, rest: text.slice(start) };
}

/** A scalar or flow collection that is the rest of its line (a trailing comment allowed). */
function inline(text: string): unknown {
  const first = text[0] as string;
  if (first === '"' || first === "'") {
    const quoted = first === '"' ? doubleQuoted(text, 0) : singleQuoted(text, 0);
    endOfLine(text, quoted.end);
    return quoted.value;
  }
  if (first === '[' || first === '{') {
    const flow = first === '[' ? flowSequence(text, 0) : flowMapping(text, 0);
    endOfLine(text, flow.end);
    return flow.value;
  }
  if (',]}#&*!|>%@`'.includes(first)) giveUp(); // indicators: aliases, tags, block scalars, ...
  if ((first === '-' || first === '?' || first === ':') && (text.length === 1 || text[1] === ' ')) giveUp();
  const comment = text.indexOf(' #');
  const body = comment < 0 ? text : text.slice(0, comment).trimEnd();
  if (body.includes(': ') || body.endsWith(':')) giveUp(); // a mapping inside a value
  return plain(body);
}

/** Nothing but spaces and a comment may follow a scalar or flow collection on its line. */
function endOfLine(text: string, end: number): void {
  if (end < text.length && !/^ +#/.test(text.slice(end))) giveUp();
}

const escapes = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't', 'u']);

/** A double-quoted scalar on one line whose escapes are JSON's (YAML's others, like \x41 or \e, give up). */
function doubleQuoted(text: string, start: number): { value: string; end: number } {
  let j = start + 1;
  for (;;) {
    const c = text[j];
    if (c === undefined) giveUp(); // unterminated on this line: multi-line, or an error
    if (c === '"') break;
    if (c === '\\') {
      if (!escapes.has(text[j + 1] ?? '')) giveUp();
      j += 2;
    } else {
      j++;
    }
  }
  let value: string;
  try {
    value = JSON.parse(text.slice(start, j + 1)) as string;
  } catch {
    return giveUp(); // a \u escape JSON refuses
  }
  return { value, end: j + 1 };
}

function singleQuoted(text: string, start: number): { value: string; end: number } {
  let j = start + 1;
  for (;;) {
    const quote = text.indexOf("'", j);
    if (quote < 0) giveUp();
    if (text[quote + 1] === "'") {
      j = quote + 2; // '' is one quote
      continue;
    }
    return { value: text.slice(start + 1, quote).replaceAll("''", "'"), end: quote + 1 };
  }
}

const skipSpaces = (text: string, i: number): number => {
  while (text.charCodeAt(i) === 32) i++;
  return i;
};

/** An item of a flow sequence or a value of a flow mapping: a nested flow collection or a scalar. */
function flowNode(text: string, start: number): { value: unknown; end: number } {
  if (text[start] === '[') return flowSequence(text, start);
  if (text[start] === '{') return flowMapping(text, start);
  return flowScalar(text, start, false);
}

/** One flow scalar inside [...] or {...}, ending before `,`, `]`, `}` (or `:` for a key). */
function flowScalar(text: string, start: number, isKey: boolean): { value: unknown; end: number } {
  const first = text[start];
  if (first === '"' || first === "'") return first === '"' ? doubleQuoted(text, start) : singleQuoted(text, start);
  if (first === undefined || '[]{},#&*!|>%@`?'.includes(first)) giveUp(); // collections as keys, indicators
  if ((first === '-' || first === ':') && ' ,]}'.includes(text[start + 1] ?? ' ')) giveUp();
  let j = start;
  for (; j < text.length; j++) {
    const c = text[j] as string;
    if (c === ',' || c === ']' || c === '}') break;
    if (c === '[' || c === '{') giveUp();
    if (c === '#' && text[j - 1] === ' ') giveUp(); // a comment inside a flow collection
    if (c === ':' && ' ,]}'.includes(text[j + 1] ?? ' ')) {
      if (isKey) break;
      giveUp(); // a key: value pair inside a flow sequence is a mapping
    }
  }
  const body = text.slice(start, j).trimEnd();
  if (body === '') giveUp();
  return { value: plain(body), end: start + body.length };
}

function flowSequence(text: string, start: number): { value: unknown[]; end: number } {
  const list: unknown[] = [];
  let i = skipSpaces(text, start + 1);
  if (text[i] === ']') return { value: list, end: i + 1 };
  for (;;) {
    const item = flowNode(text, i);
    list.push(item.value);
    i = skipSpaces(text, item.end);
    if (text[i] === ']') return { value: list, end: i + 1 };
    if (text[i] !== ',') giveUp();
    i = skipSpaces(text, i + 1);
    if (text[i] === ']') giveUp(); // a trailing comma
  }
}

function flowMapping(text: string, start: number): { value: Record<string, unknown>; end: number } {
  const map: Record<string, unknown> = {};
  let i = skipSpaces(text, start + 1);
  if (text[i] === '}') return { value: map, end: i + 1 };
  for (;;) {
    const key = flowScalar(text, i, true);
    if (typeof key.value !== 'string' || key.value === '__proto__' || Object.hasOwn(map, key.value)) giveUp();
    i = key.end;
    if (text[i] !== ':' || text[i + 1] !== ' ') giveUp(); // `{a}` or `{a:b}`: not a plain key: value pair
    const value = flowNode(text, skipSpaces(text, i + 1));
    map[key.value as string] = value.value;
    i = skipSpaces(text, value.end);
    if (text[i] === '}') return { value: map, end: i + 1 };
    if (text[i] !== ',') giveUp();
    i = skipSpaces(text, i + 1);
    if (text[i] === '}') giveUp();
  }
}

// The YAML 1.2 core schema's plain scalars, with the yaml package's own patterns (yaml/dist/schema/core), in its order.
const nullForm = /^(?:~|[Nn]ull|NULL)$/;
const trueForm = /^(?:[Tt]rue|TRUE)$/;
const falseForm = /^(?:[Ff]alse|FALSE)$/;
const octal = /^0o[0-7]+$/;
const decimal = /^[-+]?[0-9]+$/;
const hexadecimal = /^0x[0-9a-fA-F]+$/;
const notANumber = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const exponential = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const fraction = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** What a plain scalar means. */
function plain(text: string): unknown {
  const first = text.charCodeAt(0);
  // Fast path: a letter other than n, t, f (any case) begins neither a null, a boolean nor a number.
  const lower = first | 32;
  if (lower >= 97 && lower <= 122 && lower !== 110 && lower !== 116 && lower !== 102) return text;
  if (nullForm.test(text)) return null;
  if (trueForm.test(text)) return true;
  if (falseForm.test(text)) return false;
  if (octal.test(text)) return parseInt(text.slice(2), 8);
  if (decimal.test(text)) return parseInt(text, 10);
  if (hexadecimal.test(text)) return parseInt(text.slice(2), 16);
  if (notANumber.test(text)) return text.slice(-3).toLowerCase() === 'nan' ? Number.NaN : text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (exponential.test(text) || fraction.test(text)) return parseFloat(text);
  return text;
}
