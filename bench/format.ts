/** How BENCHMARKS.md writes figures: medians with (min–max) over the runs, numbers grouped, verdicts in bold. */

export interface Stats {
  runs: number;
  min: number;
  median: number;
  max: number;
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { runs: values.length, min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function range(s: Stats, digits = 0, unit = ''): string {
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export function verdict(met: boolean): string {
  return met ? '**met**' : '**missed**';
}
