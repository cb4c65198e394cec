/** One figure over several runs: the median, the spread, and every run's value in run order. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** The median (of the two middle values when there is an even count), min and max; null when there is no value. */
export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, runs: [...values] };
}
