/**
 * The chart's templates, generated from installObjects: it is called once with symbolic values, in which every value
 * is a marker string naming its Helm expression (`.Values.replicaCount`, `.Release.Namespace`), and the markers in
 * the resulting objects become template actions. A value placed as a whole becomes `{{ toJson (EXPR) }}` (a JSON
 * scalar, list or map is valid YAML, on one line, whatever it holds); a string that embeds values becomes one
 * `printf` of them, so no value can break the YAML around it. Lists of names that the code extends (the ClusterRoles
 * the operator may bind) are spliced with concat, deduplicated and sorted, as the TypeScript sorts them.
 */
import { toYaml } from '../cli/yaml-emitter.ts';
import type { OperatorConfig } from '../config.ts';
import { installObjects, type ChartFunctions, type ChartObject, type Release } from './install-objects.ts';
import { envFormatOf } from './operator-env.ts';
import { ChartValues } from './values.ts';

const valueMarker = /__HELM_(\d+)__/g;
const listMarker = /^__HELMLIST_(\d+)__$/;

/** A pipeline as one operand: a bare field like .Values.x stays bare. */
const paren = (expression: string): string => (/^[.\w]+$/.test(expression) ? expression : `(${expression})`);

/** The expressions behind the markers of one generation. */
class Symbols {
  readonly #expressions: string[] = [];

  value(expression: string): string {
    this.#expressions.push(expression);
    return `__HELM_${this.#expressions.length - 1}__`;
  }

  /** A marker for a value placed whole: it becomes `{{ toJson EXPR }}`. */
  whole(expression: string): string {
    this.#expressions.push(expression);
    return `__HELMV_${this.#expressions.length - 1}__`;
  }

  /** A list whose items the code may spread into another list. */
  list(expression: string): string[] {
    this.#expressions.push(expression);
    return [`__HELMLIST_${this.#expressions.length - 1}__`];
  }

  expression(index: string): string {
    const expression = this.#expressions[Number(index)];
    if (expression === undefined) throw new Error(`unknown Helm marker ${index}`);
    return expression;
  }

  /** The Go template expression of a string holding markers: one marker's expression, or a printf of several. */
  #expressionOf(value: string): string {
    const whole = /^__HELM_(\d+)__$/.exec(value);
    return whole?.[1] !== undefined ? this.expression(whole[1]) : this.#printf(value);
  }

  /** The Go template operand of a value: a marker's expression, or a literal. */
  operand(value: unknown): string {
    if (typeof value === 'string') return value.includes('__HELM') ? paren(this.#expressionOf(value)) : JSON.stringify(value);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new Error(`cannot write ${JSON.stringify(value)} as a Go template operand`);
  }

  /** A string with embedded markers as one printf; its literal parts escaped for Go and for printf. */
  #printf(text: string): string {
    const args: string[] = [];
    const format = text.replaceAll('%', '%%').replace(valueMarker, (_, index: string) => {
      args.push(paren(this.expression(index)));
      return '%v';
    });
    return `printf ${JSON.stringify(format)} ${args.join(' ')}`;
  }

  /** An object tree with markers -> the same tree with each templated value as one whole-value marker. */
  resolve(node: unknown): unknown {
    if (typeof node === 'string') {
      if (listMarker.test(node)) throw new Error(`a list value was used as a scalar: ${node}`);
      return node.includes('__HELM_') ? this.whole(this.#expressionOf(node)) : node;
    }
    if (Array.isArray(node)) {
      if (!node.some((item) => typeof item === 'string' && listMarker.test(item))) return node.map((item) => this.resolve(item));
      const parts = node.map((item) => {
        const spliced = typeof item === 'string' ? listMarker.exec(item) : null;
        return spliced?.[1] !== undefined ? paren(this.expression(spliced[1])) : `(list ${this.operand(item)})`;
      });
      return this.whole(`concat ${parts.join(' ')} | uniq | sortAlpha`);
    }
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(
        Object.entries(node).map(([key, value]) => {
          if (key.includes('__HELM')) throw new Error(`a value was used as a map key: ${key}`);
          return [key, this.resolve(value)];
        }),
      );
    }
    return node;
  }

  /** YAML with whole-value markers -> a template. */
  toTemplate(yaml: string): string {
    // A literal "{{" in any string (a CEL expression, a description) must reach the output as text.
    const escaped = yaml.replaceAll('{{', '{{ "{{" }}');
    const out = escaped.replace(/"?__HELMV_(\d+)__"?/g, (_, index: string) => `{{ toJson ${paren(this.expression(index))} }}`);
    if (out.includes('__HELM')) throw new Error(`a Helm marker was left in a template:\n${out}`);
    return out;
  }
}

/** Every value of the chart as a marker: `.Values.<path>`; list settings of the operator as spliceable lists. */
function symbolicValues(symbols: Symbols): ChartValues {
  const walk = (schema: unknown, path: string): unknown => {
    let node = schema as { def: { type: string; innerType?: unknown; shape?: Record<string, unknown> } };
    while (node.def.innerType !== undefined) node = node.def.innerType as typeof node;
    if (node.def.type === 'object' && node.def.shape !== undefined) {
      return Object.fromEntries(Object.entries(node.def.shape).map(([key, inner]) => [key, walk(inner, `${path}.${key}`)]));
    }
    if (node.def.type === 'array' && path.startsWith('.Values.config.')) return symbols.list(path);
    return symbols.value(path);
  };
  return walk(ChartValues, '.Values') as ChartValues;
}

/** The Go template side of ChartFunctions; the defines are in helpersTemplate. */
function symbolicFunctions(symbols: Symbols): ChartFunctions {
  const releaseSettings: Partial<Record<keyof OperatorConfig, string>> = {
    operatorNamespace: '.Release.Namespace',
    operatorServiceAccount: '.Values.serviceAccount.name',
  };
  return {
    image: () => symbols.value('include "bulkhead.image" .'),
    env: (key) => {
      const path = releaseSettings[key] ?? `.Values.config.${key}`;
      const byFormat = { string: path, number: `${path} | toString`, list: `join "," ${path}`, map: `include "bulkhead.keyValues" ${path}` };
      return symbols.value(byFormat[envFormatOf(key)]);
    },
    withLabels: (fixed, extra) => {
      const pairs = Object.entries(fixed).map(([key, value]) => `${JSON.stringify(key)} ${symbols.operand(value)}`);
      return symbols.value(`merge (dict ${pairs.join(' ')}) ${symbols.operand(extra)}`) as unknown as Record<string, string>;
    },
  };
}

export const helpersTemplate = `{{/* Generated by \`npm run generate\` from src/chart/helm-template.ts: do not edit. */}}

{{/* The operator image: repository@digest when a digest is set, else repository:tag. */}}
{{- define "bulkhead.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}
{{- end -}}

{{/* A map as key=value pairs separated by commas, sorted by key: how the operator reads map settings. */}}
{{- define "bulkhead.keyValues" -}}
{{- $pairs := list -}}
{{- range $key, $value := . -}}
{{- $pairs = append $pairs (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}
`;

const templateHeader = '# Generated by `npm run generate` from src/chart/: do not edit.\n';

/** templates/<file>.yaml for every object the chart installs. */
export function chartTemplates(): { file: string; text: string }[] {
  const symbols = new Symbols();
  const release: Release = { name: symbols.value('.Release.Name'), namespace: symbols.value('.Release.Namespace') };
  const objects = installObjects(symbolicValues(symbols), release, symbolicFunctions(symbols));
  const byFile = new Map<string, ChartObject[]>();
  for (const object of objects) byFile.set(object.file, [...(byFile.get(object.file) ?? []), object]);
  return [...byFile].map(([file, members]) => ({
    file: `${file}.yaml`,
    text:
      templateHeader +
      members
        .map((member) => {
          const body = symbols.toTemplate(toYaml(symbols.resolve(member.object)));
          if (member.when === undefined) return body;
          return `{{- if ${symbols.operand(member.when)} }}\n${body}{{- end }}\n`;
        })
        .join('---\n'),
  }));
}
