import type { z } from 'zod';

/** One x-kubernetes-validations entry of the CRD. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** JSONPath-like path relative to the node, so the API server's error names the field (".except"). */
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/**
 * A rule the schema alone cannot state, written once for both layers: `cel` for the API server (omitted when CEL
 * cannot say it cheaply), `test` for the operator's own validation (omitted for transition rules, which only the
 * API server sees: it alone knows the old object).
 */
export interface FieldRule<T> {
  readonly message: string;
  readonly cel?: string;
  readonly fieldPath?: string;
  readonly reason?: CelRule['reason'];
  /**
   * Operator-side check: true (or the offending field's path relative to the node, and a sharper message) when the
   * value breaks the rule; false or undefined when it is fine.
   */
  readonly test?: (value: T) => { path?: readonly PropertyKey[]; message?: string } | boolean | undefined;
}

/** A node's CRD metadata: its description plus any x-kubernetes-* extensions or OpenAPI keywords zod lacks. */
export interface CrdMeta {
  readonly description: string;
  readonly [key: string]: unknown;
}

/** Attaches a description, CRD extensions and field rules to a zod schema. */
export function field<S extends z.ZodType>(
  schema: S,
  description: string,
  rules: readonly FieldRule<z.output<S>>[] = [],
  extra: Record<string, unknown> = {},
): S {
  const refined =
    rules.length === 0
      ? schema
      : schema.superRefine((value, ctx) => {
          for (const r of rules) {
            const failure = r.test?.(value);
            if (failure === true) {
              ctx.addIssue({ code: 'custom', message: r.message, path: [] });
            } else if (failure) {
              ctx.addIssue({ code: 'custom', message: failure.message ?? r.message, path: [...(failure.path ?? [])] });
            }
          }
        });
  const cel: CelRule[] = rules
    .filter((r) => r.cel !== undefined)
    .map((r) => ({
      rule: r.cel as string,
      message: r.message,
      ...(r.fieldPath === undefined ? {} : { fieldPath: r.fieldPath }),
      ...(r.reason === undefined ? {} : { reason: r.reason }),
    }));
  const meta: CrdMeta = { description, ...extra, ...(cel.length > 0 ? { 'x-kubernetes-validations': cel } : {}) };
  return refined.meta(meta) as S;
}
