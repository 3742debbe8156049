// Percentiles by nearest rank over every sample (no histogram buckets: at most a few tens of thousands).

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples: number[]): { p50: number; p99: number; max: number; samples: number } {
  const sorted = Float64Array.from(samples).sort();
  const arr = Array.from(sorted);
  return { p50: round(percentile(arr, 50)), p99: round(percentile(arr, 99)), max: round(arr.at(-1) ?? Number.NaN), samples: arr.length };
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);
