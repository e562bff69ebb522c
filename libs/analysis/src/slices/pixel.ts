import { dilate, gaussianSmooth, labelComponents, seededRandom, withData, type Vec3 } from '@mic/imaging';
import type { LesionMethod } from '../lesions/types.js';
import { FEATURE_COUNT, FEATURE_NAMES, sliceFeatures, type SliceFeatures } from './features.js';
import { mlpPredict, mlpTrain, type MlpModel, type MlpTrainOptions } from './mlp.js';

/** The supervised slice method's model file (JSON): a pixel classifier over `FEATURE_NAMES`. */
export interface PixelModel {
  format: 'mic-slice-mlp';
  version: 1;
  features: string[];
  /** Gaussian smoothing (mm) of the class probability maps before the arg-max. */
  smoothMm: number;
  /** Lesion patches smaller than this (mm²) are dropped; consolidation patches smaller than `minConsolidationMm2`
   * become GGO (a few stray consolidation pixels on a slice without any cost a whole slice's Dice). */
  minLesionMm2: number;
  minConsolidationMm2: number;
  mlp: MlpModel;
}

export interface PixelTrainOptions extends MlpTrainOptions {
  /** Pixels drawn uniformly from each slice's region, and at most this many more of each lesion class. */
  perSlice?: number;
  perClass?: number;
  smoothMm?: number;
  minLesionMm2?: number;
  minConsolidationMm2?: number;
}

/** A slice the trainer reads: (pseudo-)HU, lung field and labels 0/1/2 on one grid. */
export interface TrainingSlice {
  hu: Float32Array;
  lungs: Uint8Array;
  truth: Uint8Array;
  width: number;
  height: number;
  spacingMm: number;
}

export const PIXEL_TRAIN_DEFAULTS = {
  perSlice: 1500,
  perClass: 800,
  smoothMm: 5,
  minLesionMm2: 30,
  minConsolidationMm2: 50,
  hidden: [64, 32],
  epochs: 20,
  seed: 1,
};

export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

/** Parses and checks a model file; a wrong or truncated file gives a one-line error. */
export function parsePixelModel(bytes: Uint8Array | string): PixelModel {
  return checkPixelModel(parseJson(bytes));
}

export function parseJson<T>(bytes: Uint8Array | string): T {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes)) as T;
  } catch (err) {
    throw new ModelFormatError(`model is not JSON: ${(err as Error).message}`);
  }
}

/** Checks format, post-processing constants and layer sizes (`inputs` columns in, 3 classes out). */
export function checkPixelModel(m: PixelModel, inputs: number = FEATURE_COUNT): PixelModel {
  if (m?.format !== 'mic-slice-mlp' || m.version !== 1) throw new ModelFormatError('not a mic-slice-mlp v1 model');
  for (const k of ['smoothMm', 'minLesionMm2', 'minConsolidationMm2'] as const)
    if (typeof m[k] !== 'number' || !(m[k] >= 0)) throw new ModelFormatError(`model ${k} missing or negative`);
  if (JSON.stringify(m.features) !== JSON.stringify(FEATURE_NAMES))
    throw new ModelFormatError('model features differ from this version of the feature extractor');
  const L = m.mlp?.layers;
  if (!Array.isArray(L) || !L.length || m.mlp.inputs !== inputs || L[L.length - 1].out !== 3)
    throw new ModelFormatError('model layers do not match 3 classes over the features');
  let prev = inputs;
  for (const l of L) {
    if (l.in !== prev || l.w?.length !== l.in * l.out || l.b?.length !== l.out)
      throw new ModelFormatError('model layer sizes broken');
    prev = l.out;
  }
  if (m.mlp.mean?.length !== inputs || m.mlp.std?.length !== inputs)
    throw new ModelFormatError('model standardisation broken');
  return m;
}

/** Labels 0/1/2 of one slice; deterministic. */
export function segmentPixels(
  hu: Float32Array,
  lungs: Uint8Array,
  width: number,
  height: number,
  spacingMm: number,
  model: PixelModel,
): Uint8Array {
  return labelFromFeatures(sliceFeatures(hu, lungs, width, height, spacingMm), width, height, spacingMm, model);
}

/** Labels from precomputed features (so cross-validation extracts them once). */
export function labelFromFeatures(
  f: SliceFeatures,
  width: number,
  height: number,
  spacingMm: number,
  model: Pick<PixelModel, 'mlp' | 'smoothMm' | 'minLesionMm2' | 'minConsolidationMm2'>,
): Uint8Array {
  const n = width * height;
  const Q = pixelProbabilities(f, width, height, spacingMm, model);
  const out = new Uint8Array(n);
  for (const p of f.roi) {
    const [a, b, c] = [Q[p], Q[n + p], Q[2 * n + p]];
    out[p] = a >= b && a >= c ? 0 : b >= c ? 1 : 2;
  }
  return cleanLabels(out, [width, height, 1], spacingMm, model.minLesionMm2, model.minConsolidationMm2);
}

/** Smoothed class probabilities (3 x n; outside the scored region all background). */
export function pixelProbabilities(
  f: SliceFeatures,
  width: number,
  height: number,
  spacingMm: number,
  model: Pick<PixelModel, 'mlp' | 'smoothMm'>,
): Float32Array {
  const n = width * height;
  const pr = mlpPredict(model.mlp, f.x);
  const P = [new Float32Array(n).fill(1), new Float32Array(n), new Float32Array(n)];
  f.roi.forEach((p, i) => {
    for (let c = 0; c < 3; c++) P[c][p] = pr[3 * i + c];
  });
  const dims: Vec3 = [width, height, 1];
  const sp: Vec3 = [spacingMm, spacingMm, 1];
  const Q = model.smoothMm > 0 ? P.map((a) => gaussianSmooth(a, dims, sp, model.smoothMm, true)) : P;
  const out = new Float32Array(3 * n);
  Q.forEach((q, c) => out.set(q, c * n));
  return out;
}

/**
 * Lesion patches under `minLesionMm2` become background; consolidation patches under `minConsolidationMm2` become
 * GGO (a few stray consolidation pixels on a slice without any cost a whole slice's Dice). In place.
 */
export function cleanLabels(
  out: Uint8Array,
  dims: Vec3,
  spacingMm: number,
  minLesionMm2: number,
  minConsolidationMm2: number,
): Uint8Array {
  const n = out.length;
  const minPx = (mm2: number) => mm2 / (spacingMm * spacingMm);
  const lesion = smallParts(
    out.map((v) => (v ? 1 : 0)),
    dims,
    minPx(minLesionMm2),
  );
  for (let p = 0; p < n; p++) if (lesion[p]) out[p] = 0;
  const cons = smallParts(
    out.map((v) => (v === 2 ? 1 : 0)),
    dims,
    minPx(minConsolidationMm2),
  );
  for (let p = 0; p < n; p++) if (cons[p]) out[p] = 1;
  return out;
}

/** Pixels of 8-connected components smaller than `minPx`. */
function smallParts(mask: Uint8Array, dims: Vec3, minPx: number): Uint8Array {
  const c = labelComponents(mask, dims, 8);
  return mask.map((v, p) => (v && c.sizes[c.labels[p]] < minPx ? 1 : 0));
}

/** Trains the pixel classifier on labelled slices (sampling and training seeded). */
export function trainPixelModel(slices: TrainingSlice[], o: PixelTrainOptions = {}): PixelModel {
  const items = slices.map((s) => ({
    features: sliceFeatures(s.hu, s.lungs, s.width, s.height, s.spacingMm),
    truth: s.truth,
  }));
  return trainOnFeatures(items, o);
}

/** Training on precomputed features of labelled slices. */
export function trainOnFeatures(
  items: { features: SliceFeatures; truth: Uint8Array }[],
  o: PixelTrainOptions = {},
): PixelModel {
  const opt = { ...PIXEL_TRAIN_DEFAULTS, ...o };
  const rand = seededRandom(opt.seed + 6);
  const xs: number[] = [];
  const ys: number[] = [];
  const F = items.find((it) => it.features.roi.length)?.features;
  const width = F ? F.x.length / F.roi.length : FEATURE_COUNT;
  for (const { features: f, truth } of items) {
    if (!f.roi.length) continue;
    const byClass: number[][] = [[], [], []];
    f.roi.forEach((p, i) => byClass[truth[p]]?.push(i));
    const idx: number[] = [];
    for (let t = 0; t < opt.perSlice; t++) idx.push(Math.floor(rand() * f.roi.length));
    for (const c of [1, 2])
      for (let t = 0; t < Math.min(opt.perClass, byClass[c].length); t++)
        idx.push(byClass[c][Math.floor(rand() * byClass[c].length)]);
    for (const j of idx) {
      for (let k = 0; k < width; k++) xs.push(f.x[j * width + k]);
      ys.push(Math.min(2, truth[f.roi[j]]));
    }
  }
  if (!ys.length) throw new RangeError('no training pixels: the slices have no lung field');
  const mlp = mlpTrain(Float32Array.from(xs), Uint8Array.from(ys), width, 3, opt);
  return {
    format: 'mic-slice-mlp',
    version: 1,
    features: [...FEATURE_NAMES],
    smoothMm: opt.smoothMm,
    minLesionMm2: opt.minLesionMm2,
    minConsolidationMm2: opt.minConsolidationMm2,
    mlp,
  };
}

/** The model as a `LesionMethod` (2D: every slice of the volume on its own, in-plane spacing from the grid). */
export function pixelMethod(model: PixelModel): LesionMethod {
  return partitionSlices('mlp', (hu, lungs, w, h, sp) => segmentPixels(hu, lungs, w, h, sp, model));
}

/** A per-slice labeller as a `LesionMethod`; on true HU (`lungMarginMm` set) lesions stay near the lung field. */
export function partitionSlices(
  name: string,
  label: (hu: Float32Array, lungs: Uint8Array, width: number, height: number, spacingMm: number) => Uint8Array,
): LesionMethod {
  return {
    name,
    version: '1',
    partition(hu, lungLabels, opts) {
      const [nx, ny, nz] = hu.dims;
      const out = new Uint8Array(nx * ny * nz);
      for (let k = 0; k < nz; k++) {
        const off = k * nx * ny;
        const slice = Float32Array.from(hu.data.subarray(off, off + nx * ny));
        out.set(label(slice, lungLabels.data.subarray(off, off + nx * ny), nx, ny, hu.spacing[0]), off);
      }
      // True-HU input has a reliable air-threshold lung field; the hull region would let hilum and mediastinum in.
      const margin = opts?.lungMarginMm;
      if (typeof margin === 'number' && margin >= 0) {
        const near = dilate(
          lungLabels.data.map((v) => (v ? 1 : 0)),
          hu.dims,
          hu.spacing,
          margin,
          { planar: true },
        );
        for (let p = 0; p < out.length; p++) if (!near[p]) out[p] = 0;
      }
      return withData(lungLabels, out);
    },
  };
}
