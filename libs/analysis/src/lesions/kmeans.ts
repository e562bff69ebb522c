import {
  applyZca,
  encodeVolume,
  extractPatches,
  fitZca,
  gaussianSmooth,
  kMeans,
  normalizePatches,
  poolFeatures2D,
  samplePatchCenters,
  seededRandom,
  sphericalKMeans,
  withData,
  type Encoder,
  type Vec3,
  type Volume,
} from '@mic/imaging';
import { LESION_CONSOLIDATION, LESION_GGO, type HuVolume, type LesionMethod, type LesionOptions } from './types.js';
import { suppressVessels } from './vessels.js';

/** Parameters of the unsupervised partition (the seed's spherical K-means features, then K-means into 3). */
export interface KmeansParams {
  seed: number;
  /** Patch half-width in pixels (in-plane 2D patches, (2r+1)^2). */
  patchRadius: number;
  /** Patches sampled from the lung to learn the dictionary. */
  samples: number;
  /** Dictionary size K of the spherical K-means. */
  dictionary: number;
  encoder: Encoder;
  /** ZCA regulariser on normalised patches. */
  zcaEps: number;
  /** Mean pooling half-width in pixels. */
  poolRadius: number;
  /** Weight of the smoothed intensity against the whole texture vector (which is scaled to unit variance). */
  intensityWeight: number;
  smoothMm: number;
  /** A cluster is lesion only when its mean HU is at least this: a healthy lung's 3 clusters stay normal. */
  ggoMinHu: number;
  /** A lesion cluster with mean HU at or above this is consolidation. */
  consolidationMinHu: number;
  /** Voxels above this are vessels or bone, never lesion. */
  consolidationMaxHu: number;
  vesselRadiusMm: number;
  minAreaMm2: number;
}

export type KmeansOptions = LesionOptions & Partial<KmeansParams>;

export const KMEANS_DEFAULTS: KmeansParams = {
  seed: 1,
  patchRadius: 2,
  samples: 8000,
  dictionary: 16,
  encoder: 'triangle',
  zcaEps: 0.1,
  poolRadius: 3,
  intensityWeight: 3,
  smoothMm: 1.5,
  ggoMinHu: -650,
  consolidationMinHu: -250,
  consolidationMaxHu: 100,
  vesselRadiusMm: 1.5,
  minAreaMm2: 20,
};

export function resolveKmeansParams(opts: KmeansOptions = {}): KmeansParams {
  const o: KmeansParams = { ...KMEANS_DEFAULTS };
  for (const key of Object.keys(KMEANS_DEFAULTS) as (keyof KmeansParams)[]) {
    const v = opts[key];
    if (key === 'encoder') {
      if (v === 'triangle' || v === 'soft') o.encoder = v;
    } else if (typeof v === 'number' && Number.isFinite(v)) (o as unknown as Record<string, number>)[key] = v;
  }
  return o;
}

/** Texture features of every lung voxel: learned per volume, in-plane patches, pooled. */
function textureFeatures(hu: Float32Array, dims: Vec3, lung: Uint8Array, o: KmeansParams): Float32Array {
  const [nx, ny, nz] = dims;
  const plane = nx * ny;
  const sliceDims: Vec3 = [nx, ny, 1];
  // Dictionary learned from patches of all slices (each slice contributes in proportion to its lung area).
  const rows: Float32Array[] = [];
  for (let k = 0; k < nz; k++) {
    const m = lung.subarray(k * plane, (k + 1) * plane);
    const c = samplePatchCenters(m, sliceDims, o.patchRadius, Math.ceil(o.samples / nz), o.seed + k);
    if (c.length)
      rows.push(extractPatches(hu.subarray(k * plane, (k + 1) * plane), sliceDims, o.patchRadius, c, false));
  }
  const dim = (2 * o.patchRadius + 1) ** 2;
  const total = rows.reduce((s, r) => s + r.length, 0);
  const x = new Float32Array(total);
  let off = 0;
  for (const r of rows) {
    x.set(r, off);
    off += r.length;
  }
  const normEps = 100; // HU^2: flat patches (noise only) are not blown up to unit variance
  normalizePatches(x, dim, normEps);
  const zca = fitZca(x, dim, o.zcaEps);
  const white = applyZca(zca, x);
  const centroids = sphericalKMeans(white, dim, o.dictionary, { seed: o.seed, iterations: 10 });
  const enc = { r: o.patchRadius, normEps, zca, centroids, k: o.dictionary, encoder: o.encoder };
  const out = new Float32Array(hu.length * o.dictionary);
  for (let k = 0; k < nz; k++) {
    const m = lung.subarray(k * plane, (k + 1) * plane);
    const f = encodeVolume(hu.subarray(k * plane, (k + 1) * plane), sliceDims, m, enc);
    out.set(poolFeatures2D(f, o.dictionary, sliceDims, m, o.poolRadius), k * plane * o.dictionary);
  }
  return out;
}

/** Standardises columns of an n x dim matrix in place; returns nothing (zero-variance columns become 0). */
function standardise(x: Float32Array, dim: number): void {
  const n = x.length / dim;
  for (let d = 0; d < dim; d++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < n; r++) {
      s += x[r * dim + d];
      s2 += x[r * dim + d] ** 2;
    }
    const m = s / n;
    const sd = Math.sqrt(Math.max(s2 / n - m * m, 0));
    for (let r = 0; r < n; r++) x[r * dim + d] = sd > 0 ? (x[r * dim + d] - m) / sd : 0;
  }
}

/** K-means clusters of the lung voxels, before they are mapped to classes. */
export interface LungClusters {
  /** Lung voxel indices and the cluster (0..2) of each. */
  voxels: Int32Array;
  cluster: Uint8Array;
  /** Mean smoothed HU of each cluster. */
  meanHu: number[];
  smoothed: Float32Array;
}

/** Spherical K-means patch features plus smoothed intensity, then K-means into 3 clusters (seeded). */
export function clusterLung(
  hu: HuVolume,
  lungLabels: Volume<Uint8Array>,
  opts: KmeansOptions = {},
): LungClusters | null {
  const o = resolveKmeansParams(opts);
  const n = hu.data.length;
  const idx: number[] = [];
  for (let p = 0; p < n; p++) if (lungLabels.data[p]) idx.push(p);
  const dim = (2 * o.patchRadius + 1) ** 2;
  if (idx.length < Math.max(50, 4 * dim)) return null;
  const raw = Float32Array.from(hu.data);
  const s = o.smoothMm > 0 ? gaussianSmooth(raw, hu.dims, hu.spacing, o.smoothMm, true) : raw;
  const tex = textureFeatures(raw, hu.dims, lungLabels.data, o);
  const K = o.dictionary;
  const fd = K + 1;
  const feats = new Float32Array(idx.length * fd);
  for (let t = 0; t < idx.length; t++) {
    const p = idx[t];
    for (let j = 0; j < K; j++) feats[t * fd + j] = tex[p * K + j];
    feats[t * fd + K] = s[p];
  }
  standardise(feats, fd);
  // Texture columns share one unit of variance in total; intensity gets intensityWeight.
  const texScale = 1 / Math.sqrt(K);
  for (let t = 0; t < idx.length; t++) {
    for (let j = 0; j < K; j++) feats[t * fd + j] *= texScale;
    feats[t * fd + K] *= o.intensityWeight;
  }
  // Fit on a seeded subsample, assign every lung voxel to its nearest centroid.
  const rand = seededRandom(o.seed);
  const fitN = Math.min(idx.length, 20000);
  const fit = new Float32Array(fitN * fd);
  for (let t = 0; t < fitN; t++) {
    const r = fitN === idx.length ? t : Math.floor(rand() * idx.length);
    fit.set(feats.subarray(r * fd, (r + 1) * fd), t * fd);
  }
  const { centroids } = kMeans(fit, fd, 3, { seed: o.seed, iterations: 30 });
  const cluster = new Uint8Array(idx.length);
  const sum = [0, 0, 0];
  const cnt = [0, 0, 0];
  for (let t = 0; t < idx.length; t++) {
    let best = 0;
    let bd = Infinity;
    for (let c = 0; c < 3; c++) {
      let d = 0;
      for (let j = 0; j < fd; j++) d += (feats[t * fd + j] - centroids[c * fd + j]) ** 2;
      if (d < bd) {
        bd = d;
        best = c;
      }
    }
    cluster[t] = best;
    sum[best] += s[idx[t]];
    cnt[best]++;
  }
  const meanHu = sum.map((v, c) => (cnt[c] ? v / cnt[c] : -Infinity));
  return { voxels: Int32Array.from(idx), cluster, meanHu, smoothed: s };
}

/**
 * Maps clusters to classes by mean HU (the order normal < GGO < consolidation) with the guard: a cluster is a
 * lesion only when its mean is in a lesion band, so a healthy lung's three clusters all stay normal. Vessels are
 * suppressed, and the classes painted back per voxel.
 */
export function paintClusters(c: LungClusters | null, like: HuVolume, opts: KmeansOptions = {}): Volume<Uint8Array> {
  const o = resolveKmeansParams(opts);
  const out = new Uint8Array(like.data.length);
  if (!c) return withData(like, out);
  const cls = c.meanHu.map((m) =>
    m >= o.consolidationMinHu ? LESION_CONSOLIDATION : m >= o.ggoMinHu ? LESION_GGO : 0,
  );
  const cand = new Uint8Array(out.length);
  for (let t = 0; t < c.voxels.length; t++) {
    const p = c.voxels[t];
    if (cls[c.cluster[t]] && c.smoothed[p] <= o.consolidationMaxHu) cand[p] = 1;
  }
  const lesion = suppressVessels(cand, like.dims, like.spacing, o.vesselRadiusMm, o.minAreaMm2);
  for (let t = 0; t < c.voxels.length; t++) if (lesion[c.voxels[t]]) out[c.voxels[t]] = cls[c.cluster[t]];
  return withData(like, out);
}

/** The seed's unsupervised partition: clusterLung then paintClusters. Deterministic for a fixed seed. */
export function partitionByKmeans(
  hu: HuVolume,
  lungLabels: Volume<Uint8Array>,
  opts: KmeansOptions = {},
): Volume<Uint8Array> {
  return paintClusters(clusterLung(hu, lungLabels, opts), hu, opts);
}

export const kmeansMethod: LesionMethod = {
  name: 'kmeans',
  version: '1',
  defaults: KMEANS_DEFAULTS,
  partition: (hu, lungLabels, opts) => partitionByKmeans(hu, lungLabels, opts as KmeansOptions),
};
