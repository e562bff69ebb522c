import { seededRandom } from '@mic/imaging';

/** Dice of the three lesion classes on one slice; null where truth and prediction are both empty. */
export interface SliceDice {
  infection: number | null;
  ggo: number | null;
  consolidation: number | null;
}

function dice(a: number, b: number, both: number): number | null {
  return a + b === 0 ? null : (2 * both) / (a + b);
}

/** Pixels per class (0: infection, 1: GGO, 2: consolidation) in prediction, truth and both. */
function tally(pred: Uint8Array, truth: Uint8Array) {
  if (pred.length !== truth.length) throw new RangeError(`size mismatch: ${pred.length} vs ${truth.length} pixels`);
  const n = { p: [0, 0, 0], t: [0, 0, 0], both: [0, 0, 0] };
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i];
    const t = truth[i];
    if (p) n.p[0]++;
    if (t) n.t[0]++;
    if (p && t) n.both[0]++;
    if (p === 1 || p === 2) n.p[p]++;
    if (t === 1 || t === 2) n.t[t]++;
    if (p === t && (p === 1 || p === 2)) n.both[p]++;
  }
  return n;
}

function diceOf(n: ReturnType<typeof tally>): SliceDice {
  return {
    infection: dice(n.p[0], n.t[0], n.both[0]),
    ggo: dice(n.p[1], n.t[1], n.both[1]),
    consolidation: dice(n.p[2], n.t[2], n.both[2]),
  };
}

/** Infection = class 1 or 2 against 0; GGO = class 1; consolidation = class 2. */
export function sliceDice(pred: Uint8Array, truth: Uint8Array): SliceDice {
  return diceOf(tally(pred, truth));
}

/** Mean of each class over slices, excluding slices where that class is empty in both (null). */
export function meanDice(
  rows: SliceDice[],
): SliceDice & { counted: { infection: number; ggo: number; consolidation: number } } {
  const keys = ['infection', 'ggo', 'consolidation'] as const;
  const out = {
    infection: null,
    ggo: null,
    consolidation: null,
    counted: { infection: 0, ggo: 0, consolidation: 0 },
  } as SliceDice & {
    counted: Record<(typeof keys)[number], number>;
  };
  for (const k of keys) {
    const vals = rows.map((r) => r[k]).filter((v): v is number => v !== null);
    out[k] = vals.length ? vals.reduce((s, v) => s + v, 0) / vals.length : null;
    out.counted[k] = vals.length;
  }
  return out;
}

/** Pixels of each lesion class in a label map. */
export interface ClassPixels {
  ggo: number;
  consolidation: number;
}

/** A slice's Dice with the pixel counts behind it (where a score was lost: a miss, a false call, a bad overlap). */
export function scoreSlice(
  pred: Uint8Array,
  truth: Uint8Array,
): SliceDice & { pixels: Record<'truth' | 'predicted', ClassPixels> } {
  const n = tally(pred, truth);
  const pixels = (c: number[]) => ({ ggo: c[1], consolidation: c[2] });
  return { ...diceOf(n), pixels: { truth: pixels(n.t), predicted: pixels(n.p) } };
}

/**
 * Slices that score 0 on a class for all-or-nothing reasons: the class called where the truth has none, or none
 * called where the truth has some (a per-slice mean counts each as much as a slice with a large lesion).
 */
export function zeroSlices(
  rows: { name: string; pixels: Record<'truth' | 'predicted', ClassPixels> }[],
): Record<keyof ClassPixels, { calledWithoutTruth: string[]; missedWithTruth: string[] }> {
  const of = (k: keyof ClassPixels) => ({
    calledWithoutTruth: rows.filter((r) => !r.pixels.truth[k] && r.pixels.predicted[k]).map((r) => r.name),
    missedWithTruth: rows.filter((r) => r.pixels.truth[k] && !r.pixels.predicted[k]).map((r) => r.name),
  });
  return { ggo: of('ggo'), consolidation: of('consolidation') };
}

/**
 * 95 % interval of each class's mean Dice by resampling the slices with replacement (seeded): how far the mean of
 * this many slices could move on another draw of the same kind of slices. With cross-validation it leaves out the
 * spread of the training and of the choice made per fold, so the true spread is wider.
 */
export function diceInterval(
  rows: SliceDice[],
  resamples = 2000,
  seed = 1,
): Record<keyof SliceDice, [number, number] | null> {
  const keys = ['infection', 'ggo', 'consolidation'] as const;
  const rand = seededRandom(seed);
  const means: Record<keyof SliceDice, number[]> = { infection: [], ggo: [], consolidation: [] };
  for (let r = 0; r < resamples && rows.length; r++) {
    const sum = [0, 0, 0];
    const n = [0, 0, 0];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[Math.floor(rand() * rows.length)];
      keys.forEach((k, j) => {
        const v = row[k];
        if (v === null) return;
        sum[j] += v;
        n[j]++;
      });
    }
    keys.forEach((k, j) => {
      if (n[j]) means[k].push(sum[j] / n[j]);
    });
  }
  const at = (v: number[], q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  const out = {} as Record<keyof SliceDice, [number, number] | null>;
  for (const k of keys) {
    const v = means[k].sort((a, b) => a - b);
    out[k] = v.length ? [at(v, 0.025), at(v, 0.975)] : null;
  }
  return out;
}
