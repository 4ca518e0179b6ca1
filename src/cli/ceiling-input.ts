import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { defaultCeilingRules, type PolicyRule } from '../api/v1alpha1/ceiling.ts';
import { UsageError } from './command.ts';

const ClusterRoleFile = z.object({
  kind: z.literal('ClusterRole'),
  rules: z
    .array(
      z.object({
        apiGroups: z.array(z.string()).default([]),
        resources: z.array(z.string()).default([]),
        verbs: z.array(z.string()),
        resourceNames: z.array(z.string()).optional(),
      }),
    )
    .default([]),
});

/** The ceiling rules for offline validation: the default ceiling, or the rules of a ClusterRole YAML file. */
export async function loadCeilingRules(file: string | undefined): Promise<readonly PolicyRule[]> {
  if (file === undefined) return defaultCeilingRules;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--ceiling ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new UsageError(`--ceiling ${file}: not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const result = ClusterRoleFile.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageError(`--ceiling ${file}: not a ClusterRole: ${issue?.path.join('.') || 'kind'}: ${issue?.message ?? ''}`);
  }
  return result.data.rules;
}
