import { apiVersion } from '../api/v1alpha1/well-known.ts';
import type { AgentPolicy } from '../api/v1alpha1/schema.ts';
import { crossPolicyIssues } from '../validation/cross-policy.ts';
import { formatIssue } from '../validation/issues.ts';
import type { SemanticContext } from '../validation/semantic.ts';
import { validateAgentPolicy } from '../validation/validate.ts';
import { loadOperatorConfig, type OperatorConfig } from '../config.ts';
import { loadCeilingRules } from './ceiling-input.ts';
import { locate, readInputs, type InputDocument } from './policy-input.ts';

export interface CheckedPolicy {
  readonly document: InputDocument;
  readonly policy: AgentPolicy;
}

export interface CheckResult {
  readonly valid: CheckedPolicy[];
  /** One line per problem: "file (document n): policy: field.path: message". */
  readonly problems: string[];
}

/** Validates every document alone, then the valid ones together (namespace and RuntimeClass conflicts). */
export function checkDocuments(documents: readonly InputDocument[], context: SemanticContext): CheckResult {
  const valid: CheckedPolicy[] = [];
  const problems: string[] = [];
  for (const document of documents) {
    // Only a problem names its document: most documents have none.
    const where = (): string => `${locate(document)}: ${policyNameOf(document.value)}`;
    if (typeof document.value !== 'object' || Array.isArray(document.value)) {
      problems.push(`${where()}: (root): not an object: expected an AgentPolicy (${apiVersion})`);
      continue;
    }
    const result = validateAgentPolicy(document.value, context);
    if (result.ok) valid.push({ document, policy: result.policy });
    else problems.push(...result.issues.map((issue) => `${where()}: ${formatIssue(issue)}`));
  }
  const conflicts = crossPolicyIssues(valid.map((v) => v.policy));
  for (const issue of conflicts) {
    const checked = valid[issue.policyIndex];
    if (checked !== undefined) problems.push(`${locate(checked.document)}: ${checked.policy.metadata.name}: ${formatIssue(issue)}`);
  }
  const conflicting = new Set(conflicts.map((c) => c.policyIndex));
  return { valid: valid.filter((_, i) => !conflicting.has(i)), problems };
}

function policyNameOf(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'metadata' in value) {
    const metadata = value.metadata;
    if (typeof metadata === 'object' && metadata !== null && 'name' in metadata && typeof metadata.name === 'string') {
      return metadata.name;
    }
  }
  return '(unnamed)';
}

/**
 * What `render` and `validate` share: the operator settings from BULKHEAD_*, the ceiling (default or --ceiling),
 * every input read and checked; unreadable input and invalid policies alike become problem lines.
 */
export async function checkPolicyInputs(
  sources: readonly string[],
  ceilingFile: string | undefined,
  stdin: NodeJS.ReadableStream,
): Promise<CheckResult & { readonly config: OperatorConfig }> {
  const config = loadOperatorConfig(process.env);
  const ceilingRules = await loadCeilingRules(ceilingFile);
  const input = await readInputs(sources, stdin);
  const checked = checkDocuments(input.documents, { config, ceilingRules });
  return {
    config,
    valid: checked.valid,
    problems: [...input.problems.map((p) => `${locate(p)}: ${p.message}`), ...checked.problems],
  };
}
