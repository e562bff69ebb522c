import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dataPath } from '../../../test/support/data.js';

/** Bytes of a shared data file. */
export function dataFile(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(dataPath(...parts)));
}

/** Bytes of every file in a shared data folder, sorted by name. */
export function dataFolder(...parts: string[]): { name: string; bytes: Uint8Array }[] {
  const dir = dataPath(...parts);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
}

/** The thrown value of `fn` (sync or async), or undefined. */
export async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** [min, max] of a numeric array (spreading 262144 values into Math.min overflows the stack). */
export function range(a: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < min) min = a[i];
    if (a[i] > max) max = a[i];
  }
  return [min, max];
}

/** How many positions differ (toEqual on 262144-element typed arrays takes seconds). */
export function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}
