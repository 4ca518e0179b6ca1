import { AgentPolicySchema, type AgentPolicy } from '../api/v1alpha1/schema.ts';
import { issuesFromZod, type ValidationIssue } from './issues.ts';
import { validateSemantics, type SemanticContext } from './semantic.ts';

export type ParseResult =
  | { readonly ok: true; readonly policy: AgentPolicy }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** Schema validation alone: what the CRD and its CEL rules accept (plus the key formats CEL cannot afford). */
export function parseAgentPolicy(input: unknown): ParseResult {
  const result = AgentPolicySchema.safeParse(input);
  return result.success ? { ok: true, policy: result.data } : { ok: false, issues: issuesFromZod(result.error) };
}

/**
 * Every rule of design.md section 1: the schema, then the semantic rules. The single entry point of the controller
 * (an invalid result is Ready=False, reason InvalidSpec, nothing applied) and of `bulkhead validate`.
 */
export function validateAgentPolicy(input: unknown, context: SemanticContext): ParseResult {
  const parsed = parseAgentPolicy(input);
  if (!parsed.ok) return parsed;
  const issues = validateSemantics(parsed.policy, context);
  return issues.length === 0 ? parsed : { ok: false, issues };
}
