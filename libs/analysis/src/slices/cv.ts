import { IDENTITY_DIRECTION, type Vec3, type Volume } from '@mic/imaging';
import { classifyBands, smoothForBands } from '../lesions/hu.js';
import { clusterLung, paintClusters } from '../lesions/kmeans.js';
import type { LesionOptions } from '../lesions/types.js';
import { meanDice, scoreSlice, sliceDice, type SliceDice } from './dice.js';
import { assignFolds } from './folds.js';
import { sliceFeatures } from './features.js';
import { labelWithContext, trainContextOnFeatures, type ContextTrainOptions } from './context.js';
import { labelFromFeatures, pixelProbabilities, trainOnFeatures } from './pixel.js';
import {
  UNET_BLEND_GRID,
  UNET_POST_GRID,
  unetLabels,
  unetMethod,
  unetProbabilities,
  type UnetModel,
  type UnetPost,
} from './unet.js';

export { assignFolds };

/** The unet's post-processing grids by name (`mic eval-slices --post-grid`). */
export const UNET_GRIDS = { split: UNET_POST_GRID, blend: UNET_BLEND_GRID } as const;

/** A labelled slice already in (pseudo-)HU with its lung field. */
export interface LabelledSlice {
  name: string;
  hu: Float32Array;
  width: number;
  height: number;
  spacingMm: number;
  lungs: Uint8Array;
  truth: Uint8Array;
}

/** The band grid searched on training folds: the two class boundaries, which every method has. */
export const BAND_GRID: LesionOptions[] = [-800, -750, -700, -650, -600].flatMap((ggoMinHu) =>
  [-500, -450, -400, -350, -300, -250].map((consolidationMinHu) => ({ ggoMinHu, consolidationMinHu })),
);

function volumes(s: LabelledSlice): { hu: Volume<Float32Array>; lung: Volume<Uint8Array> } {
  const base = {
    dims: [s.width, s.height, 1] as Vec3,
    spacing: [s.spacingMm, s.spacingMm, 1] as Vec3,
    origin: [0, 0, 0] as Vec3,
    direction: IDENTITY_DIRECTION,
  };
  return { hu: { ...base, data: s.hu }, lung: { ...base, data: s.lungs } };
}

/** Per-slice predictor with the expensive step (smoothing, clustering) done once. */
export function bandPredictor(
  method: string,
  s: LabelledSlice,
  base: LesionOptions = {},
): (o: LesionOptions) => Uint8Array {
  const { hu, lung } = volumes(s);
  if (method === 'hu') {
    const smoothed = smoothForBands(hu, base);
    return (o) => classifyBands(smoothed, lung, { ...base, ...o }).data;
  }
  if (method === 'kmeans') {
    const clusters = clusterLung(hu, lung, base);
    return (o) => paintClusters(clusters, hu, { ...base, ...o }).data;
  }
  throw new RangeError(`unknown lesion method '${method}'`);
}

function score(d: ReturnType<typeof meanDice>): number {
  return ((d.infection ?? 0) + (d.ggo ?? 0) + (d.consolidation ?? 0)) / 3;
}

export interface CvResult {
  folds: number;
  seed: number;
  /** Held-out Dice of every slice (each slice scored by the fold that did not see it), with its pixel counts. */
  perSlice: (ReturnType<typeof scoreSlice> & { name: string; fold: number })[];
  /** The held-out labels of every slice, in the slices' order. */
  labels: Uint8Array[];
  mean: ReturnType<typeof meanDice>;
  /** Band options chosen on the training part of each fold. */
  chosen: LesionOptions[];
}

/**
 * k-fold cross-validation of a trained method (same folds as the band CV): the model is trained on the other
 * folds and scored on the held-out one. `context` trains its inner folds inside the training part only.
 */
export function crossValidateTrained(
  slices: LabelledSlice[],
  k = 5,
  seed = 1,
  train: ContextTrainOptions = {},
  method: 'mlp' | 'context' = 'mlp',
): Omit<CvResult, 'chosen'> {
  const fold = assignFolds(slices.length, k, seed);
  const labels: Uint8Array[] = new Array(slices.length);
  const items = slices.map((s) => ({
    features: sliceFeatures(s.hu, s.lungs, s.width, s.height, s.spacingMm),
    truth: s.truth,
    width: s.width,
    height: s.height,
    spacingMm: s.spacingMm,
  }));
  const perSlice: CvResult['perSlice'] = [];
  for (let f = 0; f < k; f++) {
    const part = items.filter((_, i) => fold[i] !== f);
    let label: (i: number) => Uint8Array;
    if (method === 'context') {
      const model = trainContextOnFeatures(part, train);
      label = (i) => labelWithContext(items[i].features, items[i].width, items[i].height, items[i].spacingMm, model);
    } else {
      const model = trainOnFeatures(part, train);
      label = (i) => labelFromFeatures(items[i].features, items[i].width, items[i].height, items[i].spacingMm, model);
    }
    slices.forEach((s, i) => {
      if (fold[i] !== f) return;
      labels[i] = label(i);
      perSlice.push({ name: s.name, fold: f, ...scoreSlice(labels[i], s.truth) });
    });
  }
  return { folds: k, seed, perSlice, mean: meanDice(perSlice), labels };
}

/**
 * k-fold cross-validation of the unet, trained outside mic (PyTorch, training/unet/cv.sh) on these folds: each
 * slice is scored with `models[fold]`; the blend's pixel classifier is trained here on the same folds; the
 * post-processing is chosen on the other folds, as the band choice is. `shipped` is the choice on all slices, for
 * the model trained on all of them; `points` the mean Dice of every grid point over all slices (each slice by the
 * fold model that did not see it: held-out for a point fixed in advance, optimistic for the best of them).
 * `lesion(s)` gives a slice's lesion options (the true-HU lung margin); `grid` the post-processing choices
 * (`UNET_POST_GRID`, or the earlier `UNET_BLEND_GRID`).
 */
export function crossValidateUnet<S extends LabelledSlice & { windowed: boolean }>(
  slices: S[],
  models: UnetModel[],
  seed = 1,
  lesion: (s: S) => LesionOptions = () => ({}),
  grid: UnetPost[] = UNET_POST_GRID,
) {
  const k = models.length;
  const features = slices.map((s) => sliceFeatures(s.hu, s.lungs, s.width, s.height, s.spacingMm));
  const fold = assignFolds(slices.length, k, seed);
  const mlps = models.map((_, f) =>
    trainOnFeatures(slices.flatMap((s, i) => (fold[i] === f ? [] : [{ features: features[i], truth: s.truth }]))),
  );
  const predictor = (s: S, f: number, i: number) => {
    if (!s.windowed) {
      const { hu, lung } = volumes(s);
      return (g: UnetPost) => unetMethod({ ...models[f], ...g, mlp: mlps[f] }).partition(hu, lung, lesion(s)).data;
    }
    // The network passes and the pixel classifier run once per slice; only the post-processing varies.
    const net = new Map<string, Float32Array>();
    let mlp: Float32Array | undefined;
    const pixel = () => (mlp ??= pixelProbabilities(features[i], s.width, s.height, s.spacingMm, mlps[f]));
    return (g: UnetPost) => {
      const [mirror, rows] = [g.mirror ?? false, g.flipRows ?? false];
      const key = `${mirror}/${rows}`;
      if (!net.has(key)) net.set(key, unetProbabilities(s.hu, s.width, s.height, s.spacingMm, models[f], mirror, rows));
      return unetLabels(net.get(key)!, pixel, s.width, s.height, s.spacingMm, g);
    };
  };
  const cv = crossValidateGrid(slices, k, seed, grid, predictor);
  const points = grid.map((post, g) => ({ post, mean: meanDice(cv.dice.map((row) => row[g])) }));
  return { ...cv, shipped: grid[bestPoint(cv.dice, grid.length, () => true)], points };
}

/**
 * k-fold cross-validation of the band choice: slices shuffled with a fixed seed into k folds; on each, the grid
 * point with the best mean of infection, GGO and consolidation Dice on the other folds is scored on the fold.
 */
export function crossValidate(
  method: string,
  slices: LabelledSlice[],
  k = 5,
  seed = 1,
  grid: LesionOptions[] = BAND_GRID,
  base: LesionOptions = {},
): CvResult {
  return crossValidateGrid(slices, k, seed, grid, (s) => bandPredictor(method, s, base));
}

/**
 * k-fold cross-validation of a choice from `grid`: `predictor(s, fold)` labels slice s (with whatever was trained
 * without its fold) for any grid point; on each fold the point with the best mean of infection, GGO and
 * consolidation Dice on the other folds is scored on the fold.
 */
export function crossValidateGrid<S extends LabelledSlice, G>(
  slices: S[],
  k: number,
  seed: number,
  grid: G[],
  predictor: (s: S, fold: number, index: number) => (g: G) => Uint8Array,
): Omit<CvResult, 'chosen'> & { chosen: G[]; dice: SliceDice[][] } {
  const fold = assignFolds(slices.length, k, seed);
  // Kept until the choice is made: the held-out labels come from them (a slice's expensive step runs once).
  const predicts = slices.map((s, i) => predictor(s, fold[i], i));
  // dice[s][g]: Dice of slice s under grid point g.
  const dice = slices.map((s, i) => grid.map((g) => sliceDice(predicts[i](g), s.truth)));
  const perSlice: CvResult['perSlice'] = [];
  const chosen: G[] = [];
  const labels: Uint8Array[] = new Array(slices.length);
  for (let f = 0; f < k; f++) {
    const best = bestPoint(dice, grid.length, (s) => fold[s] !== f);
    chosen.push(grid[best]);
    slices.forEach((s, i) => {
      if (fold[i] !== f) return;
      labels[i] = predicts[i](grid[best]);
      perSlice.push({ name: s.name, fold: f, ...scoreSlice(labels[i], s.truth) });
    });
  }
  return { folds: k, seed, perSlice, mean: meanDice(perSlice), chosen, dice, labels };
}

/** The grid point with the best mean of the three Dice over the slices `use` admits. */
export function bestPoint(dice: SliceDice[][], points: number, use: (s: number) => boolean): number {
  let best = 0;
  let bestScore = -1;
  for (let g = 0; g < points; g++) {
    const sc = score(meanDice(dice.flatMap((row, s) => (use(s) ? [row[g]] : []))));
    if (sc > bestScore) {
      bestScore = sc;
      best = g;
    }
  }
  return best;
}
