import { seededRandom } from '@mic/imaging';

/** Fold of each of `n` slices: shuffled with a fixed seed, then dealt round-robin into k folds. */
export function assignFolds(n: number, k: number, seed: number): Int32Array {
  if (n < k) throw new RangeError(`cross-validation needs at least ${k} slices, got ${n}`);
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const fold = new Int32Array(n);
  order.forEach((s, pos) => (fold[s] = pos % k));
  return fold;
}
