import { seededRandom } from './patches.js';

type Rows = Float32Array | Float64Array;

export interface KMeansOptions {
  iterations?: number;
  seed?: number;
}

function normalizeRow(c: Float32Array, o: number, dim: number): void {
  let s = 0;
  for (let d = 0; d < dim; d++) s += c[o + d] ** 2;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let d = 0; d < dim; d++) c[o + d] *= inv;
}

/**
 * Spherical K-means (Coates & Ng 2012) on whitened rows of x (n x dim): unit-norm centroids, each row assigned to
 * the centroid with the largest |dot product|, damped update new = old + sum(dot * x), renormalised.
 * Centroids start as unit Gaussian vectors from the seed. Returns k x dim, row-major.
 */
export function sphericalKMeans(x: Rows, dim: number, k: number, opts: KMeansOptions = {}): Float32Array {
  const n = x.length / dim;
  const iterations = opts.iterations ?? 10;
  const rand = seededRandom(opts.seed ?? 1);
  const c = new Float32Array(k * dim);
  for (let i = 0; i < c.length; i += 2) {
    // Box-Muller: two normals per pair of uniforms.
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const rad = Math.sqrt(-2 * Math.log(u));
    c[i] = rad * Math.cos(2 * Math.PI * v);
    if (i + 1 < c.length) c[i + 1] = rad * Math.sin(2 * Math.PI * v);
  }
  for (let j = 0; j < k; j++) normalizeRow(c, j * dim, dim);
  for (let it = 0; it < iterations; it++) {
    const acc = Float32Array.from(c); // damping: the old centroid is part of the sum
    for (let r = 0; r < n; r++) {
      const o = r * dim;
      let best = 0;
      let bestAbs = -1;
      let bestDot = 0;
      for (let j = 0; j < k; j++) {
        let s = 0;
        const co = j * dim;
        for (let d = 0; d < dim; d++) s += c[co + d] * x[o + d];
        if (Math.abs(s) > bestAbs) {
          bestAbs = Math.abs(s);
          best = j;
          bestDot = s;
        }
      }
      const ao = best * dim;
      for (let d = 0; d < dim; d++) acc[ao + d] += bestDot * x[o + d];
    }
    c.set(acc);
    for (let j = 0; j < k; j++) normalizeRow(c, j * dim, dim);
  }
  return c;
}

export interface KMeansResult {
  /** k x dim, row-major. */
  centroids: Float64Array;
  /** Cluster of each row. */
  labels: Int32Array;
  /** Sum of squared distances to the assigned centroids. */
  inertia: number;
}

function sqDist(x: Rows, o: number, c: Float64Array, co: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (x[o + d] - c[co + d]) ** 2;
  return s;
}

/** Plain (Lloyd) K-means with seeded k-means++ initialisation. */
export function kMeans(x: Rows, dim: number, k: number, opts: KMeansOptions = {}): KMeansResult {
  const n = x.length / dim;
  if (!Number.isInteger(n) || n < k) throw new RangeError(`kMeans needs at least k=${k} rows, got ${n}`);
  const rand = seededRandom(opts.seed ?? 1);
  const c = new Float64Array(k * dim);
  const near = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(rand() * n);
  for (let j = 0; j < k; j++) {
    for (let d = 0; d < dim; d++) c[j * dim + d] = x[pick * dim + d];
    let total = 0;
    for (let r = 0; r < n; r++) {
      near[r] = Math.min(near[r], sqDist(x, r * dim, c, j * dim, dim));
      total += near[r];
    }
    let t = rand() * total;
    pick = n - 1;
    for (let r = 0; r < n; r++) {
      t -= near[r];
      if (t <= 0) {
        pick = r;
        break;
      }
    }
  }
  const labels = new Int32Array(n).fill(-1);
  let inertia = 0;
  for (let it = 0; it < (opts.iterations ?? 50); it++) {
    let changed = 0;
    inertia = 0;
    for (let r = 0; r < n; r++) {
      let best = 0;
      let bd = Infinity;
      for (let j = 0; j < k; j++) {
        const dd = sqDist(x, r * dim, c, j * dim, dim);
        if (dd < bd) {
          bd = dd;
          best = j;
        }
      }
      inertia += bd;
      if (labels[r] !== best) changed++;
      labels[r] = best;
    }
    if (changed === 0) break;
    const sum = new Float64Array(k * dim);
    const cnt = new Float64Array(k);
    for (let r = 0; r < n; r++) {
      cnt[labels[r]]++;
      for (let d = 0; d < dim; d++) sum[labels[r] * dim + d] += x[r * dim + d];
    }
    // An empty cluster keeps its old centroid.
    for (let j = 0; j < k; j++)
      if (cnt[j] > 0) for (let d = 0; d < dim; d++) c[j * dim + d] = sum[j * dim + d] / cnt[j];
  }
  return { centroids: c, labels, inertia };
}
