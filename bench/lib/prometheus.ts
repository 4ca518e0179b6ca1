/**
 * Reads the Prometheus text exposition format (what the API server's and the operator's /metrics serve) into samples,
 * and sums them by label. Only what the bench needs: counters and gauges, no histograms' buckets semantics.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string, only?: ReadonlySet<string>): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = sampleLine.exec(line);
    if (match === null) continue;
    const name = match[1] as string;
    if (only !== undefined && !only.has(name)) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(labelPair)) {
      labels[pair[1] as string] = (pair[2] as string).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const raw = match[3] as string;
    const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels pass `where`. */
export function sumOf(samples: readonly Sample[], name: string, where: (labels: Readonly<Record<string, string>>) => boolean = () => true): number {
  let sum = 0;
  for (const s of samples) if (s.name === name && where(s.labels)) sum += s.value;
  return sum;
}

/** Sums grouped by a key built from the labels (e.g. verb and resource), for one metric. */
export function groupSums(
  samples: readonly Sample[],
  name: string,
  keyOf: (labels: Readonly<Record<string, string>>) => string | undefined,
): Map<string, number> {
  const groups = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    const key = keyOf(s.labels);
    if (key !== undefined) groups.set(key, (groups.get(key) ?? 0) + s.value);
  }
  return groups;
}

/** after - before, per key (counters only grow; a key new in `after` counts from zero). */
export function difference(after: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) delta.set(key, d);
  }
  return delta;
}

/** HTTP methods and API server verbs that change state. */
export const mutatingMethods: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'DELETECOLLECTION']);
