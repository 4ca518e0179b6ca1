/**
 * The `spec.secrets` entry `bulkhead seal` produces, and its merge into a policy file with yaml's Document API: the
 * file keeps its comments, its other documents and its other entries; sealing into an existing secret adds (or
 * replaces) keys and keeps the others. Pure: text in, text out.
 */
import { isMap, isSeq, parseAllDocuments, type Document } from 'yaml';
import { kind as policyKind } from '../api/v1alpha1/well-known.ts';
import type { SecretSpec } from '../api/v1alpha1/schema.ts';
import { UsageError } from './command.ts';
import { toYaml } from './yaml-emitter.ts';

export interface SecretEntry {
  readonly name: string;
  readonly type: string;
  readonly encryptedData: Readonly<Record<string, string>>;
}

/** A policy file split into its YAML documents, with the one AgentPolicy among them. */
export interface PolicyFile {
  readonly documents: Document[];
  readonly policyIndex: number;
  /** The AgentPolicy document as plain data, for validation. */
  readonly value: unknown;
}

export function parsePolicyFile(text: string, source: string): PolicyFile {
  const parsed = parseAllDocuments(text, { prettyErrors: false });
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  const broken = documents.findIndex((d) => d.errors.length > 0);
  if (broken >= 0) {
    throw new UsageError(`${source} (document ${broken + 1}): not valid YAML: ${documents[broken]?.errors[0]?.message.split('\n')[0] ?? ''}`);
  }
  const policies = documents
    .map((document, index) => ({ index, value: document.toJS({ maxAliasCount: 100 }) as unknown }))
    .filter(({ value }) => typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === policyKind);
  const only = policies[0];
  if (only === undefined) throw new UsageError(`${source}: holds no AgentPolicy`);
  if (policies.length > 1) throw new UsageError(`${source}: holds ${policies.length} AgentPolicies; seal into a file with one`);
  return { documents, policyIndex: only.index, value: only.value };
}

/**
 * The entry after sealing `encryptedData` into secret `name`: the existing entry's keys plus the new ones (a new key
 * replaces an old one of the same name: that is how a value is rotated). A type that differs from the existing
 * entry's is refused: a Secret's type cannot change in place.
 */
export function mergedEntry(
  existing: readonly SecretSpec[],
  name: string,
  requestedType: string | undefined,
  encryptedData: Readonly<Record<string, string>>,
): SecretEntry {
  const current = existing.find((s) => s.name === name);
  if (current === undefined) return { name, type: requestedType ?? 'Opaque', encryptedData: { ...encryptedData } };
  if (requestedType !== undefined && requestedType !== current.type) {
    throw new UsageError(
      `--type ${requestedType}: secret ${name} in the policy has type ${current.type}; a Secret's type cannot change (use another --secret name)`,
    );
  }
  return { name, type: current.type, encryptedData: { ...current.encryptedData, ...encryptedData } };
}

/** The text to paste under `spec:` of the policy. */
export function secretsSnippet(entry: SecretEntry): string {
  return toYaml({ secrets: [{ name: entry.name, type: entry.type, encryptedData: entry.encryptedData }] });
}

/** Writes the entry into the policy document: a new list item, or the keys (and type) of the existing item. */
export function mergeIntoFile(file: PolicyFile, entry: SecretEntry): string {
  const document = file.documents[file.policyIndex] as Document;
  const secrets = document.getIn(['spec', 'secrets'], true);
  if (secrets === undefined || secrets === null) {
    document.setIn(['spec', 'secrets'], document.createNode([entry]));
  } else if (isSeq(secrets)) {
    secrets.flow = false; // `secrets: []` would otherwise become a one-line flow list of long ciphertexts
    const item = secrets.items.find((i) => isMap(i) && i.get('name') === entry.name);
    if (isMap(item)) {
      // The type is left as written: mergedEntry refused a different one, and an omitted type means Opaque.
      const data = item.get('encryptedData', true);
      if (isMap(data)) {
        data.flow = false;
        for (const [key, value] of Object.entries(entry.encryptedData)) data.set(key, value);
      } else {
        item.set('encryptedData', document.createNode(entry.encryptedData));
      }
    } else {
      secrets.add(document.createNode(entry));
    }
  } else {
    throw new UsageError('spec.secrets in the policy file is not a list');
  }
  // lineWidth 0: ciphertexts stay on one line each instead of being folded; flow lists keep their [a, b] look.
  return file.documents.map((d) => d.toString({ lineWidth: 0, flowCollectionPadding: false })).join('');
}
