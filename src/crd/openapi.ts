import { z } from 'zod';

/** A node of an OpenAPI v3 schema as the CRD carries it. */
export type OpenApiSchema = { [key: string]: unknown };

export class SchemaConversionError extends Error {
  override readonly name = 'SchemaConversionError';
}

interface CheckDef {
  readonly check: string;
  readonly maximum?: number;
  readonly minimum?: number;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly format?: string;
  readonly pattern?: RegExp;
}

const checksOf = (schema: z.ZodType): CheckDef[] =>
  ((schema._zod.def as { checks?: { _zod: { def: CheckDef } }[] }).checks ?? []).map((c) => c._zod.def);

/**
 * Converts a zod schema into a structural OpenAPI v3 schema (the form CRDs require): every node typed, no
 * additionalProperties:false (the API server prunes unknown fields instead), int-or-string for quantity and port
 * unions, defaults from .default()/.prefault(), and the node's registry metadata (description, x-kubernetes-*
 * extensions, extra keywords) copied in. Refinements without metadata are operator-only and leave no trace.
 */
export function toOpenApi(schema: z.ZodType): OpenApiSchema {
  const def = schema._zod.def as unknown as { type: string; [key: string]: unknown };
  const meta = (z.globalRegistry.get(schema) ?? {}) as Record<string, unknown>;
  let out: OpenApiSchema;
  switch (def.type) {
    case 'optional':
    case 'nonoptional':
      out = toOpenApi(def['innerType'] as z.ZodType);
      break;
    case 'default':
    case 'prefault':
      out = { ...toOpenApi(def['innerType'] as z.ZodType), default: structuredClone(def['defaultValue']) };
      break;
    case 'string':
      out = { type: 'string', ...stringBounds(schema) };
      break;
    case 'number':
      out = numberNode(schema);
      break;
    case 'boolean':
      out = { type: 'boolean' };
      break;
    case 'enum':
      out = { type: 'string', enum: Object.values(def['entries'] as Record<string, string>) };
      break;
    case 'literal':
      out = { type: 'string', enum: [...(def['values'] as unknown[])] };
      break;
    case 'array': {
      out = { type: 'array', items: toOpenApi(def['element'] as z.ZodType) };
      for (const c of checksOf(schema)) {
        if (c.check === 'max_length') out['maxItems'] = c.maximum;
        if (c.check === 'min_length') out['minItems'] = c.minimum;
      }
      break;
    }
    case 'record':
      out = { type: 'object', additionalProperties: toOpenApi(def['valueType'] as z.ZodType) };
      break;
    case 'object':
      out = objectNode(def);
      break;
    case 'union':
      out = intOrString(def['options'] as z.ZodType[]);
      break;
    default:
      throw new SchemaConversionError(`zod type "${def.type}" has no structural OpenAPI form`);
  }
  // Inner metadata first (e.g. a refined string), then the wrapper's own.
  for (const [key, value] of Object.entries(meta)) {
    if (key === 'x-kubernetes-validations' && Array.isArray(out[key])) {
      out[key] = [...(out[key] as unknown[]), ...value as unknown[]];
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

function stringBounds(schema: z.ZodType): OpenApiSchema {
  const out: OpenApiSchema = {};
  for (const c of checksOf(schema)) {
    if (c.check === 'max_length') out['maxLength'] = c.maximum;
    if (c.check === 'min_length') out['minLength'] = c.minimum;
    // OpenAPI has one pattern per node: the first is the format; later ones are operator-side refinements.
    if (c.check === 'string_format' && c.format === 'regex' && c.pattern !== undefined && out['pattern'] === undefined) {
      out['pattern'] = c.pattern.source;
    }
  }
  return out;
}

function numberNode(schema: z.ZodType): OpenApiSchema {
  const checks = checksOf(schema);
  const integer = checks.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32'));
  const out: OpenApiSchema = { type: integer ? 'integer' : 'number' };
  for (const c of checks) {
    if (c.check === 'greater_than') out['minimum'] = c.inclusive === true ? c.value : (c.value ?? 0) + 1;
    if (c.check === 'less_than') out['maximum'] = c.inclusive === true ? c.value : (c.value ?? 0) - 1;
  }
  return out;
}

function objectNode(def: Record<string, unknown>): OpenApiSchema {
  const shape = def['shape'] as Record<string, z.ZodType>;
  const catchall = def['catchall'] as z.ZodType | undefined;
  // A loose object (metadata) is left to the API server: only its type is stated.
  if (catchall !== undefined && catchall._zod.def.type === 'unknown') {
    return { type: 'object' };
  }
  const properties: Record<string, OpenApiSchema> = {};
  const required: string[] = [];
  for (const [key, value] of Object.entries(shape)) {
    properties[key] = toOpenApi(value);
    if (!isOptional(value)) required.push(key);
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

function isOptional(schema: z.ZodType): boolean {
  const t = schema._zod.def.type;
  return t === 'optional' || t === 'default' || t === 'prefault';
}

/** The one union a structural schema allows: integer or string (quantities, ports), with both members' bounds. */
function intOrString(options: readonly z.ZodType[]): OpenApiSchema {
  const kinds = options.map((o) => o._zod.def.type).sort();
  if (kinds.length !== 2 || kinds[0] !== 'number' || kinds[1] !== 'string') {
    throw new SchemaConversionError(`only number|string unions are structural, got ${kinds.join('|')}`);
  }
  const bounds: OpenApiSchema = {};
  for (const option of options) {
    const node = toOpenApi(option);
    delete node['type'];
    Object.assign(bounds, node);
  }
  return { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], ...bounds };
}
