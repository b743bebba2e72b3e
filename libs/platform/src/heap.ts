import { setFlagsFromString } from 'node:v8';

/**
 * The V8 flag that lets the old generation grow to `1 + percent / 100` times what survived
 * the last full collection before the next one, or undefined for V8's own choice (0), which
 * on a machine with memory to spare is up to four times. Why a process would bound it, and
 * what that bought the broker: docs/operations.md, "Memory".
 */
export function heapGrowthFlag(percent: number): string | undefined {
  if (!Number.isSafeInteger(percent) || percent < 0) throw new Error('heapGrowthFlag: percent must be a non-negative integer');
  return percent === 0 ? undefined : `--heap-growing-percent=${percent}`;
}

/**
 * Sets the heap growth for the rest of the process's life (see heapGrowthFlag). V8 reads the
 * flag at every full collection, so setting it at start-up is enough; it is set here rather
 * than on the command line because NODE_OPTIONS refuses it, and the setting belongs to the
 * app's own configuration, the same wherever and however the app is started.
 * `heap.spec.ts` checks that this Node's V8 honours it when set at run time.
 */
export function limitHeapGrowth(percent: number): void {
  const flag = heapGrowthFlag(percent);
  if (flag) setFlagsFromString(flag);
}
