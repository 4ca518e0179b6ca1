/**
 * The sample policies of manifests/samples/, for tests that send them to the shared control plane under names of
 * their own: other test files may create the same samples, and every name a policy claims is cluster-wide.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import type { AgentPolicy } from '../../src/api/v1alpha1/schema.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { validateAgentPolicy } from '../../src/validation/validate.ts';
import { uniqueName } from './cluster.ts';

export const samplesDirectory = new URL('../../manifests/samples/', import.meta.url);

/** An AgentPolicy as a file holds it: plain data, not yet validated or defaulted. */
export interface PolicyDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [field: string]: unknown };
  spec: { namespace?: { name?: string; [field: string]: unknown }; [field: string]: unknown };
}

export interface Sample {
  readonly file: string;
  readonly policy: PolicyDocument;
}

/** Every sample, in file-name order (the order `bulkhead render -f manifests/samples/` reads them in). */
export function loadSamples(): Sample[] {
  return readdirSync(samplesDirectory)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, policy: parse(readFileSync(new URL(file, samplesDirectory), 'utf8')) as PolicyDocument }));
}

/**
 * A copy of `policy` under a unique metadata.name, and a unique spec.namespace.name when it sets one (otherwise the
 * namespace is agent-<name>, unique already). Everything else is left as written.
 */
export function withUniqueNames(policy: PolicyDocument): PolicyDocument {
  const copy = structuredClone(policy);
  copy.metadata.name = uniqueName(policy.metadata.name);
  const namespace = copy.spec.namespace;
  if (namespace?.name !== undefined) namespace.name = uniqueName(namespace.name);
  return copy;
}

/** The uid offline sample policies get, so ownerReferences show in golden files. */
export const fixedUid = '00000000-0000-4000-8000-000000000001';

/** One sample, validated and defaulted as the controller sees it, with a fixed uid. */
export function samplePolicy(file: string): AgentPolicy {
  const raw = parse(readFileSync(new URL(file, samplesDirectory), 'utf8')) as { metadata: Record<string, unknown> };
  raw.metadata['uid'] = fixedUid;
  const result = validateAgentPolicy(raw, { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules });
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.issues)}`);
  return result.policy;
}
