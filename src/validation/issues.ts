import type { z } from 'zod';

/** One problem with a policy: the field path as the API server writes it (spec.rbac.rules[0].verbs[1]) and why. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`; // map keys such as label names: labels["team/x"]
  }
  return out === '' ? '(root)' : out;
}

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/** Turns zod's issues into field-named ones; an unknown key is reported at the key itself. */
export function issuesFromZod(error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue): ValidationIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    }
    if (issue.code === 'invalid_union') {
      // Report the branch that got furthest rather than "Invalid input".
      const branches = issue.errors.map((branch) => branch.filter((i) => i.code !== 'invalid_type'));
      const best = branches.find((b) => b.length > 0)?.[0];
      const message = best?.message ?? 'has the wrong type';
      return [{ path: formatPath([...issue.path, ...(best?.path ?? [])]), message }];
    }
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      return [{ path: formatPath(issue.path), message: 'required field is missing' }];
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}
