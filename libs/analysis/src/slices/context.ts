import { gaussianSmooth, type Vec3 } from '@mic/imaging';
import type { LesionMethod } from '../lesions/types.js';
import { assignFolds } from './folds.js';
import { FEATURE_COUNT, sliceFeatures, type SliceFeatures } from './features.js';
import { mlpPredict, type MlpModel } from './mlp.js';
import {
  checkPixelModel,
  labelFromFeatures,
  ModelFormatError,
  parseJson,
  partitionSlices,
  trainOnFeatures,
  type PixelModel,
  type PixelTrainOptions,
} from './pixel.js';

/**
 * Auto-context (Tu & Bai 2010): a second pixel classifier sees the first one's GGO and consolidation probability
 * maps averaged over neighbourhoods of several sizes, plus the slice's mean of each, so a pixel's call can follow
 * what the classifier thinks of the region around it (a consolidated lobe, a diffusely ground-glass lung).
 */
export interface ContextModel {
  format: 'mic-slice-context';
  version: 1;
  /** Neighbourhood scales (Gaussian sigma, mm) of the context maps. */
  scalesMm: number[];
  /** The first stage is evaluated on every `stride`-th pixel of each axis (its maps are smoothed anyway). */
  stride: number;
  stage1: PixelModel;
  /** The second stage: post-processing constants of a pixel model over the context features. */
  smoothMm: number;
  minLesionMm2: number;
  minConsolidationMm2: number;
  mlp: MlpModel;
}

export interface ContextTrainOptions extends PixelTrainOptions {
  /** Inner folds: the second stage learns from first-stage maps of slices that model did not see. */
  innerFolds?: number;
  stage1Epochs?: number;
  scalesMm?: number[];
  stride?: number;
}

export const CONTEXT_TRAIN_DEFAULTS = {
  innerFolds: 3,
  stage1Epochs: 10,
  scalesMm: [2, 6, 12, 24],
  stride: 2,
};

/** Context columns added to the pixel features: two maps per scale and two slice means. */
export const contextWidth = (scales: number) => FEATURE_COUNT + 2 * scales + 2;

/** Pixel features of a slice extended by the first stage's context maps (same roi). */
export function contextFeatures(
  f: SliceFeatures,
  width: number,
  height: number,
  spacingMm: number,
  m: Pick<ContextModel, 'stage1' | 'scalesMm' | 'stride'>,
): SliceFeatures {
  const F = FEATURE_COUNT;
  const n = width * height;
  const sel: number[] = [];
  f.roi.forEach((p, i) => {
    const x = p % width;
    if (x % m.stride === 0 && ((p - x) / width) % m.stride === 0) sel.push(i);
  });
  const xs = new Float32Array(sel.length * F);
  sel.forEach((i, k) => xs.set(f.x.subarray(i * F, i * F + F), k * F));
  const pr = mlpPredict(m.stage1.mlp, xs);
  const P = [new Float32Array(n), new Float32Array(n)];
  const W = new Float32Array(n);
  const mean = [0, 0];
  sel.forEach((i, k) => {
    const p = f.roi[i];
    W[p] = 1;
    for (const c of [0, 1]) {
      P[c][p] = pr[3 * k + c + 1];
      mean[c] += pr[3 * k + c + 1] / sel.length;
    }
  });
  const dims: Vec3 = [width, height, 1];
  const sp: Vec3 = [spacingMm, spacingMm, 1];
  // Normalised convolution: the average over the scored pixels only, so the region's edge does not read as normal.
  const maps: Float32Array[] = [];
  for (const s of m.scalesMm) {
    const w = gaussianSmooth(W, dims, sp, s, true);
    for (const c of [0, 1]) {
      const g = gaussianSmooth(P[c], dims, sp, s, true);
      for (let p = 0; p < n; p++) g[p] = w[p] > 1e-6 ? g[p] / w[p] : 0;
      maps.push(g);
    }
  }
  const K = contextWidth(m.scalesMm.length);
  const x = new Float32Array(f.roi.length * K);
  f.roi.forEach((p, i) => {
    const o = i * K;
    x.set(f.x.subarray(i * F, i * F + F), o);
    maps.forEach((g, j) => (x[o + F + j] = g[p]));
    x[o + K - 2] = mean[0];
    x[o + K - 1] = mean[1];
  });
  return { roi: f.roi, x };
}

interface Item {
  features: SliceFeatures;
  truth: Uint8Array;
  width: number;
  height: number;
  spacingMm: number;
}

/** Trains both stages; deterministic for a fixed seed. */
export function trainContextOnFeatures(items: Item[], o: ContextTrainOptions = {}): ContextModel {
  const opt = { ...CONTEXT_TRAIN_DEFAULTS, ...o };
  const s1 = { ...o, epochs: opt.stage1Epochs };
  const k = Math.min(opt.innerFolds, items.length);
  if (k < 2) throw new RangeError('context training needs at least 2 slices');
  const fold = assignFolds(items.length, k, (o.seed ?? 1) + 1);
  const ctx: SliceFeatures[] = new Array(items.length);
  for (let g = 0; g < k; g++) {
    const stage1 = trainOnFeatures(
      items.filter((_, i) => fold[i] !== g),
      s1,
    );
    items.forEach((it, i) => {
      if (fold[i] === g) ctx[i] = contextFeatures(it.features, it.width, it.height, it.spacingMm, { ...opt, stage1 });
    });
  }
  const stage1 = trainOnFeatures(items, s1);
  const stage2 = trainOnFeatures(
    items.map((it, i) => ({ features: ctx[i], truth: it.truth })),
    o,
  );
  return {
    format: 'mic-slice-context',
    version: 1,
    scalesMm: opt.scalesMm,
    stride: opt.stride,
    stage1,
    smoothMm: stage2.smoothMm,
    minLesionMm2: stage2.minLesionMm2,
    minConsolidationMm2: stage2.minConsolidationMm2,
    mlp: stage2.mlp,
  };
}

/** Labels 0/1/2 from a slice's pixel features. */
export function labelWithContext(
  f: SliceFeatures,
  width: number,
  height: number,
  spacingMm: number,
  m: ContextModel,
): Uint8Array {
  return labelFromFeatures(contextFeatures(f, width, height, spacingMm, m), width, height, spacingMm, m);
}

/** Parses and checks a context model file; a wrong or truncated file gives a one-line error. */
export function parseContextModel(bytes: Uint8Array | string): ContextModel {
  const m = parseJson<ContextModel>(bytes);
  if (m?.format !== 'mic-slice-context' || m.version !== 1)
    throw new ModelFormatError('not a mic-slice-context v1 model');
  if (!Array.isArray(m.scalesMm) || !m.scalesMm.length || !m.scalesMm.every((s) => s > 0))
    throw new ModelFormatError('model scalesMm broken');
  if (!Number.isInteger(m.stride) || m.stride < 1) throw new ModelFormatError('model stride broken');
  checkPixelModel(m.stage1);
  checkPixelModel({ ...m.stage1, ...m, format: 'mic-slice-mlp' }, contextWidth(m.scalesMm.length));
  return m;
}

/** The model as a `LesionMethod` (2D, every slice on its own). */
export function contextMethod(m: ContextModel): LesionMethod {
  return partitionSlices('context', (hu, lungs, w, h, sp) =>
    labelWithContext(sliceFeatures(hu, lungs, w, h, sp), w, h, sp, m),
  );
}
