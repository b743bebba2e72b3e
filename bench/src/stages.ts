/**
 * Where a broker's batches spend their time, from its own histogram
 * (accord_broker_batch_stage_seconds{stage}) read from each instance's /metrics before and
 * after a window: per stage, the batches, the mean and the p50 / p99 (the upper bound of
 * the histogram bucket they fall in, so "≤ 20 ms" reads as at most 20).
 */
export interface StageSummary {
  batches: number;
  meanMs: number;
  p50AtMostMs: number;
  p99AtMostMs: number;
}

type Histogram = Map<string, { buckets: Map<number, number>; sum: number; count: number }>;

const METRIC = 'accord_broker_batch_stage_seconds';

/** Every instance's histogram, summed. */
export async function readStageHistograms(metricsUrls: readonly string[]): Promise<Histogram> {
  const total: Histogram = new Map();
  for (const url of metricsUrls) {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    for (const line of (await response.text()).split('\n')) {
      if (!line.startsWith(METRIC)) continue;
      const match = /^accord_broker_batch_stage_seconds_(bucket|sum|count)\{([^}]*)\} (\S+)$/.exec(line);
      if (!match) continue;
      const labels = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1], label[2]]));
      const stage = labels.stage!;
      const entry = total.get(stage) ?? { buckets: new Map(), sum: 0, count: 0 };
      const value = Number(match[3]);
      if (match[1] === 'bucket') {
        const bound = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
        entry.buckets.set(bound, (entry.buckets.get(bound) ?? 0) + value);
      } else if (match[1] === 'sum') entry.sum += value;
      else entry.count += value;
      total.set(stage, entry);
    }
  }
  return total;
}

/** The window between two readings, per stage. */
export function stagesBetween(before: Histogram, after: Histogram): Record<string, StageSummary> {
  const result: Record<string, StageSummary> = {};
  for (const [stage, end] of after) {
    const start = before.get(stage);
    const count = end.count - (start?.count ?? 0);
    if (count <= 0) continue;
    const bounds = [...end.buckets.keys()].sort((a, b) => a - b);
    const cumulative = bounds.map((bound) => ({ bound, count: (end.buckets.get(bound) ?? 0) - (start?.buckets.get(bound) ?? 0) }));
    const quantile = (q: number) => {
      const wanted = q * count;
      const found = cumulative.find((bucket) => bucket.count >= wanted);
      return found === undefined || !Number.isFinite(found.bound) ? Number.POSITIVE_INFINITY : Math.round(found.bound * 1000 * 10) / 10;
    };
    result[stage] = {
      batches: count,
      meanMs: Math.round(((end.sum - (start?.sum ?? 0)) / count) * 1000 * 10) / 10,
      p50AtMostMs: quantile(0.5),
      p99AtMostMs: quantile(0.99),
    };
  }
  return result;
}
