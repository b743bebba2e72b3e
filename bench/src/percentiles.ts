/*
 * Exact percentiles from all samples (nearest-rank on a sorted copy). The largest sample
 * set here is one latency run: 60 s × 1,000 events/s × a few deliveries each, a few
 * hundred thousand numbers — sorting them takes milliseconds, so an approximating
 * histogram (hdr-histogram-js) would add a dependency and bucket error for nothing.
 */

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array: the smallest sample ≥ p% of all samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarise(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const list = Array.from(sorted);
  let total = 0;
  for (const value of list) total += value;
  return {
    count: list.length,
    min: list.length ? list[0]! : Number.NaN,
    p50: percentile(list, 50),
    p95: percentile(list, 95),
    p99: percentile(list, 99),
    max: list.length ? list[list.length - 1]! : Number.NaN,
    mean: list.length ? total / list.length : Number.NaN,
  };
}

/** Rounds for the report: milliseconds to 0.1 ms. */
export function rounded(summary: Summary, digits = 1): Summary {
  const round = (value: number) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);
  return {
    count: summary.count,
    min: round(summary.min),
    p50: round(summary.p50),
    p95: round(summary.p95),
    p99: round(summary.p99),
    max: round(summary.max),
    mean: round(summary.mean),
  };
}
