/** Pure arithmetic over measured samples: percentiles, summaries, rates. */

/**
 * The p-th percentile (0-100) by the nearest-rank method: the smallest sample with at least p% of the samples at or
 * below it, so p99 of 50 samples is the largest one (no interpolation pretends to a precision 50 samples lack).
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile must be within 0-100, not ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const mean = samples.length === 0 ? Number.NaN : samples.reduce((sum, s) => sum + s, 0) / samples.length;
  return {
    count: samples.length,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: samples.length === 0 ? Number.NaN : Math.max(...samples),
    mean,
  };
}

/** Events per minute over a window of `ms` milliseconds. */
export function perMinute(count: number, ms: number): number {
  return ms <= 0 ? Number.NaN : (count * 60_000) / ms;
}

export const mib = (bytes: number): number => bytes / (1024 * 1024);
