/**
 * The policies every cluster run creates: the repository's samples in rotation (typical, IPv6, minimal, and the
 * maximal one without its SealedSecret, since the benchmark installs no Sealed Secrets controller), each renamed and
 * in its own default namespace agent-<name>. Every maximal policy names the same RuntimeClass with the same content,
 * so the run also exercises one shared class written once.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { defaultCeilingRules } from '../../src/api/v1alpha1/ceiling.ts';
import type { AgentPolicy } from '../../src/api/v1alpha1/schema.ts';
import { defaultOperatorConfig } from '../../src/config.ts';
import { desiredState, type DesiredObject } from '../../src/desired/desired-state.ts';
import { validateAgentPolicy } from '../../src/validation/validate.ts';

interface Sample {
  readonly spec: Record<string, unknown>;
}

function sample(name: string): Sample {
  const text = readFileSync(new URL(`../../manifests/samples/${name}.yaml`, import.meta.url), 'utf8');
  const { spec } = parse(text) as { spec: Record<string, unknown> };
  return { spec };
}

function withoutSecrets(s: Sample): Sample {
  const spec = structuredClone(s.spec) as { secrets?: unknown; namespace?: { name?: string } };
  delete spec.secrets;
  if (spec.namespace !== undefined) delete spec.namespace.name; // agent-<policy name>, one per policy
  return { spec: spec as Record<string, unknown> };
}

const samples: readonly Sample[] = [sample('typical'), sample('ipv6'), sample('minimal'), withoutSecrets(sample('maximal'))];

/** The spec of the i-th benchmark policy. */
export function benchSpec(i: number): Record<string, unknown> {
  return structuredClone((samples[i % samples.length] as Sample).spec);
}

export function policyNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/** The agent namespace of a benchmark policy (every sample leaves namespace.name to its default). */
export const benchNamespace = (policyName: string): string => `agent-${policyName}`;

/** A benchmark policy validated with its defaults, as the controller would see it (no UID: rendered offline). */
export function validatedBenchPolicy(name: string, i: number): AgentPolicy {
  const result = validateAgentPolicy(
    { apiVersion: 'bulkhead.dev/v1alpha1', kind: 'AgentPolicy', metadata: { name }, spec: benchSpec(i) },
    { config: defaultOperatorConfig, ceilingRules: defaultCeilingRules },
  );
  if (!result.ok) throw new Error(`benchmark policy ${name} is invalid: ${JSON.stringify(result.issues)}`);
  return result.policy;
}

/**
 * What `bulkhead render` prints for these policies, grouped by policy in apply order, with each shared RuntimeClass
 * once (in `shared`), as the render command prints it once.
 */
export function renderedEnvelopes(names: readonly string[]): { shared: DesiredObject[]; perPolicy: DesiredObject[][] } {
  const shared = new Map<string, DesiredObject>();
  const perPolicy = names.map((name, i) =>
    desiredState(validatedBenchPolicy(name, i), defaultOperatorConfig, { offline: true }).filter((object) => {
      if (object.kind !== 'RuntimeClass') return true;
      shared.set(object.metadata?.name ?? '', object);
      return false;
    }),
  );
  return { shared: [...shared.values()], perPolicy };
}
