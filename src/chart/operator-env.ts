/**
 * The operator configuration as the BULKHEAD_* environment variables that loadOperatorConfig reads back: the chart's
 * Deployment sets them, and the demo and tests run the operator with the same ones.
 */
import { OperatorConfig, operatorConfigEnv } from '../config.ts';

/** How one setting is spelled in its variable: lists comma-separated, maps key=value pairs. */
export type EnvFormat = 'string' | 'number' | 'list' | 'map';

export function envFormatOf(key: keyof OperatorConfig): EnvFormat {
  let schema = OperatorConfig.shape[key] as { def: { type: string; innerType?: unknown } };
  while (schema.def.innerType !== undefined) schema = schema.def.innerType as typeof schema;
  const formats: Record<string, EnvFormat> = { string: 'string', number: 'number', array: 'list', record: 'map' };
  const format = formats[schema.def.type];
  if (format === undefined) throw new Error(`OperatorConfig.${key} is a ${schema.def.type}: say how its variable is written`);
  return format;
}

export function formatEnvValue(format: EnvFormat, value: unknown): string {
  if (format === 'list') return (value as readonly string[]).join(',');
  if (format === 'map') {
    // Sorted by key, as Helm's range over a map is.
    const entries = Object.entries(value as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.map(([k, v]) => `${k}=${v}`).join(',');
  }
  return String(value);
}

/** Every BULKHEAD_* variable for this configuration, in operatorConfigEnv's order. */
export function operatorEnv(config: OperatorConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(operatorConfigEnv).map(([key, variable]) => {
      const field = key as keyof OperatorConfig;
      return [variable, formatEnvValue(envFormatOf(field), config[field])];
    }),
  );
}
