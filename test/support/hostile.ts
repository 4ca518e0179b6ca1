/**
 * The hostile-policy corpus of test/fixtures/hostile/: one AgentPolicy per file, each broken or malicious in one
 * way, with what must refuse it in the file's leading comments:
 *
 *   # <why it is hostile>
 *   # rejectedBy: apiserver | operator | apiserver|operator
 *   # path: spec.network.egress[0].cidr         (the field the refusal must name; a prefix)
 *   # pad: /json/pointer <length> [<char>]      (optional: the test sets that string to <length> characters, so a
 *                                                1 MiB policy need not be committed)
 *
 * apiserver: the CRD's schema or CEL refuses it (with fieldValidation=Strict, as kubectl sends it), naming the path;
 * operator: the API server stores it and the operator reports Ready=False, InvalidSpec, naming the path, and applies
 * nothing; both: either layer is right (the split may move between them, e.g. as CEL learns a rule).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { PolicyDocument } from './samples.ts';

export type RefusingLayer = 'apiserver' | 'operator';

export interface HostileCase {
  /** The file name without .yaml. */
  readonly name: string;
  readonly why: string;
  readonly rejectedBy: readonly RefusingLayer[];
  readonly path: string;
  readonly policy: PolicyDocument;
}

export const hostileDirectory = new URL('../fixtures/hostile/', import.meta.url);

function header(text: string, key: string): string | undefined {
  return new RegExp(`^# ${key}: (.*)$`, 'm').exec(text)?.[1]?.trim();
}

/** Sets the string at a JSON pointer (RFC 6901: ~1 is "/", ~0 is "~"). */
function setAt(target: unknown, pointer: string, value: string): void {
  const keys = pointer.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = keys.pop();
  let node = target as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  if (last === undefined || node === undefined) throw new Error(`pad: no such path ${pointer}`);
  node[last] = value;
}

export function loadHostileCases(): HostileCase[] {
  return readdirSync(hostileDirectory)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const text = readFileSync(new URL(file, hostileDirectory), 'utf8');
      const name = file.slice(0, -'.yaml'.length);
      const rejectedBy = header(text, 'rejectedBy')?.split('|').map((s) => s.trim()) as RefusingLayer[] | undefined;
      const path = header(text, 'path');
      const why = /^# (.*)$/m.exec(text)?.[1];
      if (rejectedBy === undefined || path === undefined || why === undefined) throw new Error(`${file}: the header needs a reason, rejectedBy and path`);
      if (!rejectedBy.every((layer) => layer === 'apiserver' || layer === 'operator')) throw new Error(`${file}: rejectedBy must name apiserver and/or operator`);
      const policy = parse(text) as PolicyDocument;
      const pad = header(text, 'pad');
      if (pad !== undefined) {
        const [pointer, length, char] = pad.split(' ');
        setAt(policy, pointer ?? '', (char ?? 'x').repeat(Number(length)));
      }
      return { name, why, rejectedBy, path, policy };
    });
}

